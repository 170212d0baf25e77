package raftkv.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.zip.CRC32C;

/** The JSON and checksum plumbing shared by the log records and the hard state file. */
final class StorageJson {

  /** Our own mapper: changing Vert.x's {@code DatabindCodec} mapper would change Vert.x. */
  static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          // Jackson refuses strings over 20 M chars by default: a command we wrote must read back
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxStringLength(Integer.MAX_VALUE).build())
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a repeated field is damage
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // and so is trailing data
      .build();
  static final JsonFactory FACTORY = MAPPER.getFactory();

  private StorageJson() {}

  /** A CRC32C value as the 8 lowercase hex digits stored in the files. */
  static String hex(CRC32C crc) {
    String digits = Long.toHexString(crc.getValue());
    return "0".repeat(8 - digits.length()) + digits;
  }

  static void updateLong(CRC32C crc, long value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      crc.update((int) (value >>> shift));
    }
  }

  static void updateInt(CRC32C crc, int value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      crc.update(value >>> shift);
    }
  }
}
