package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The send time a watch benchmark write carries, and its decoding from a change's JSON. */
class SendTimeCodecTest {

  /** A change event's data as raftkv's front end writes it, with the value base64-encoded. */
  private static byte[] change(byte[] value) {
    return ("{\"type\":\"put\",\"key\":\"wb/3\",\"value\":\""
        + Base64.getEncoder().encodeToString(value)
        + "\",\"revision\":17,\"prevRevision\":12,\"lease\":0}").getBytes(StandardCharsets.UTF_8);
  }

  private static long fromJson(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return SendTimeCodec.fromChangeJson(bytes, 0, bytes.length);
  }

  @Property
  void aTimeSurvivesTheRawValue(@ForAll long nanos) {
    assertThat(SendTimeCodec.decode(SendTimeCodec.encode(nanos))).isEqualTo(nanos);
  }

  @Property
  void aTimeSurvivesTheWatchStreamsBase64Json(@ForAll long nanos) {
    byte[] json = change(SendTimeCodec.encode(nanos));

    assertThat(SendTimeCodec.fromChangeJson(json, 0, json.length)).isEqualTo(nanos);
  }

  @Test
  void theValueIsEightBytesBigEndian() {
    assertThat(SendTimeCodec.encode(0x0102030405060708L))
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void decodesWithinALargerBufferRange() {
    byte[] json = change(SendTimeCodec.encode(42));
    byte[] padded = new byte[json.length + 20];
    System.arraycopy(json, 0, padded, 10, json.length);

    assertThat(SendTimeCodec.fromChangeJson(padded, 10, 10 + json.length)).isEqualTo(42);
  }

  @Test
  void toleratesSpacesAroundTheColonAndEscapedSlashes() {
    long nanos = -1L; // all ones: base64 "//////////8="
    assertThat(fromJson("{\"value\" : \"//////////8=\"}")).isEqualTo(nanos);
    assertThat(fromJson("{\"value\":\"\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/8=\"}")).isEqualTo(nanos);
  }

  @Test
  void aDeleteOrAForeignValueHasNoTime() {
    assertThat(fromJson("{\"type\":\"delete\",\"key\":\"wb/1\",\"revision\":3}"))
        .isEqualTo(SendTimeCodec.NONE);
    assertThat(SendTimeCodec.fromChangeJson(change(new byte[7]), 0, change(new byte[7]).length))
        .isEqualTo(SendTimeCodec.NONE);
    assertThat(SendTimeCodec.fromChangeJson(change(new byte[9]), 0, change(new byte[9]).length))
        .isEqualTo(SendTimeCodec.NONE);
    assertThat(fromJson("{\"value\":\"AAAA*AAAAAE=\"}")).isEqualTo(SendTimeCodec.NONE);
    assertThat(fromJson("{\"value\":\"AAAAAAAAAAE=")).isEqualTo(SendTimeCodec.NONE);
    assertThat(fromJson("{\"value\":17}")).isEqualTo(SendTimeCodec.NONE);
    assertThat(SendTimeCodec.decode(new byte[3])).isEqualTo(SendTimeCodec.NONE);
  }
}
