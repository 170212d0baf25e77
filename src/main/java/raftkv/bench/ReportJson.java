package raftkv.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a {@link Report} as JSON, field for field, so that scripts can build tables from it. */
final class ReportJson {

  // our own mapper: Vert.x's DatabindCodec mapper is shared with Vert.x internals
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  private ReportJson() {}

  static void write(Report report, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    MAPPER.writeValue(file.toFile(), report);
  }

  static String toJson(Report report) throws IOException {
    return MAPPER.writeValueAsString(report);
  }
}
