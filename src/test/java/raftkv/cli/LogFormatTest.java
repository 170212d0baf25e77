package raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogFormatTest {

  @AfterEach
  void clear() {
    System.clearProperty(LogFormat.PROPERTY);
    System.clearProperty("logback.configurationFile");
  }

  @Test
  void jsonPointsLogbackAtTheJsonConfiguration() {
    System.setProperty(LogFormat.PROPERTY, "JSON");
    assertThat(LogFormat.choose()).isNull();
    assertThat(System.getProperty("logback.configurationFile"))
        .isEqualTo("raftkv/logback-json.xml");
    assertThat(LogFormatTest.class.getClassLoader().getResource("raftkv/logback-json.xml"))
        .isNotNull();
  }

  @Test
  void textIsTheDefaultAndOtherValuesAreRefusedByName() {
    System.setProperty(LogFormat.PROPERTY, "text");
    assertThat(LogFormat.choose()).isNull();
    assertThat(System.getProperty("logback.configurationFile")).isNull();
    System.setProperty(LogFormat.PROPERTY, "xml");
    assertThat(LogFormat.choose()).contains("'xml'").contains("text, json");
  }
}
