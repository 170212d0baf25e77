package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;

class KvCommandTest {

  @Test
  void aClockEntryHasOnlyItsTime() {
    assertThat(LoggedCommand.clock(42).encode()).isEqualTo("{\"op\":\"clock\",\"t\":42}");
    assertThat(LoggedCommand.decode("{\"op\":\"clock\",\"t\":42}"))
        .isEqualTo(LoggedCommand.clock(42));
    for (String bad : List.of("{\"op\":\"clock\"}", "{\"op\":\"clock\",\"t\":0}",
        "{\"op\":\"clock\",\"t\":1,\"key\":\"k\"}", "{\"op\":\"clock\",\"t\":1,\"id\":\"r\"}",
        "{\"op\":\"clock\",\"t\":1,\"value\":\"AA==\"}")) {
      assertThatThrownBy(() -> LoggedCommand.decode(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> KvCommand.decode("{\"op\":\"clock\",\"t\":42}"))
        .hasMessageContaining("no key-value command");
  }

  @Test
  void putWithEveryByteValueSurvivesEncodeAndDecode() {
    byte[] everyByte = new byte[256];
    for (int i = 0; i < everyByte.length; i++) everyByte[i] = (byte) i;
    Put put = new Put("bin/ärger/😀", everyByte, 7, "req-1");

    KvCommand decoded = KvCommand.decode(put.encode());

    assertThat(decoded).isEqualTo(put);
    assertThat(((Put) decoded).value()).containsExactly(everyByte);
  }

  @Test
  void deleteSurvivesEncodeAndDecode() {
    Delete delete = new Delete("a/b", KvCommand.IF_ABSENT, "req-2");

    assertThat(KvCommand.decode(delete.encode())).isEqualTo(delete);
  }

  @Test
  void encodingIsCompactReadableJsonWithoutDefaults() {
    byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);

    assertThat(new Put("a", hi).encode()).isEqualTo("{\"op\":\"put\",\"key\":\"a\",\"value\":\"aGk=\"}");
    assertThat(new Put("é", hi, 3, "r").encode())
        .isEqualTo("{\"op\":\"put\",\"key\":\"é\",\"value\":\"aGk=\",\"prev\":3,\"id\":\"r\"}");
    assertThat(new Put("a", new byte[0], 0, null).encode())
        .isEqualTo("{\"op\":\"put\",\"key\":\"a\",\"value\":\"\",\"prev\":0}");
    assertThat(new Delete("a").encode()).isEqualTo("{\"op\":\"delete\",\"key\":\"a\"}");
  }

  @Test
  void putsCompareValuesByContent() {
    Put one = new Put("k", new byte[] {1, 2}, 5, "id");
    Put same = new Put("k", new byte[] {1, 2}, 5, "id");
    Put other = new Put("k", new byte[] {1, 3}, 5, "id");

    assertThat(one).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(other);
    assertThat(one).hasToString("Put[key=k, value=2 bytes, prev=5, id=id]");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "``                                              | the command is empty",
        "nope                                            | not JSON",
        "[1,2]                                           | expected a JSON object, got ARRAY",
        "{}                                              | missing \"op\"",
        "{\"op\":1}                                      | \"op\" must be a string",
        "{\"op\":\"frob\",\"key\":\"a\"}                 | unknown op \"frob\"",
        "{\"op\":\"put\",\"value\":\"\"}                 | missing \"key\"",
        "{\"op\":\"put\",\"key\":\"a\"}                  | missing \"value\"",
        "{\"op\":\"put\",\"key\":\"\",\"value\":\"\"}    | key must not be empty",
        "{\"op\":\"put\",\"key\":\"a\",\"value\":\"*\"}  | \"value\" is not base64",
        "{\"op\":\"put\",\"key\":\"a\",\"value\":7}      | \"value\" must be a string",
        "{\"op\":\"delete\",\"key\":\"a\",\"prev\":\"3\"} | \"prev\" must be an integer revision",
        "{\"op\":\"delete\",\"key\":\"a\",\"prev\":1.5}  | \"prev\" must be an integer revision",
        "{\"op\":\"delete\",\"key\":\"a\",\"prev\":99999999999999999999} | \"prev\" must be an integer",
        "{\"op\":\"delete\",\"key\":\"a\",\"prev\":-2}   | prevRevision must be -1 (any), 0 (absent)",
        "{\"op\":\"delete\",\"key\":\"a\",\"id\":\"\"}   | request id must not be empty",
        "{\"op\":\"delete\",\"key\":\"a\",\"id\":null}   | \"id\" must be a string",
        "{\"op\":\"delete\",\"key\":\"a\",\"value\":\"\"} | unexpected field \"value\"",
        "{\"op\":\"delete\",\"key\":\"a\",\"key\":\"b\"} | not JSON: Duplicate field 'key'",
        "{\"op\":\"delete\",\"key\":\"a\"} {}            | not JSON",
        "{\"op\":\"delete\",\"key\":\"\\ud800\"}         | unpaired surrogate",
      })
  void decodingGarbageSaysWhatIsWrong(String text, String expectedMessage) {
    assertThatThrownBy(() -> KvCommand.decode(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expectedMessage);
  }

  @ParameterizedTest
  @ValueSource(longs = {-2, -100, Long.MIN_VALUE})
  void conditionsBelowAnyRevisionAreRejected(long prevRevision) {
    assertThatThrownBy(() -> new Delete("a", prevRevision, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
