package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;

class KvCommandPropertyTest {

  @Property
  void everyCommandSurvivesEncodeAndDecode(@ForAll("commands") KvCommand command) {
    assertThat(KvCommand.decode(command.encode())).isEqualTo(command);
  }

  /** The state machine relies on this: only IllegalArgumentException means "not a command". */
  @Property
  void decodingAnyTextEitherWorksOrSaysItIsInvalid(@ForAll("texts") String text) {
    Throwable thrown = catchThrowable(() -> KvCommand.decode(text));

    if (thrown != null) assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
  }

  @Provide
  Arbitrary<KvCommand> commands() {
    Arbitrary<String> keys = Arbitraries.strings().ofMinLength(1).ofMaxLength(12)
        .filter(KvCommandPropertyTest::isWellFormed);
    Arbitrary<String> ids = Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8)
        .injectNull(0.3);
    Arbitrary<Long> prevRevisions = Arbitraries.longs().between(-1, Long.MAX_VALUE);
    Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    Arbitrary<KvCommand> puts =
        Combinators.combine(keys, values, prevRevisions, ids).as(Put::new);
    Arbitrary<KvCommand> deletes = Combinators.combine(keys, prevRevisions, ids).as(Delete::new);
    return Arbitraries.oneOf(puts, deletes);
  }

  /** Random text, and text close enough to a command to get past the first checks. */
  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> anyText = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<String> field = Arbitraries.of(
        "\"op\":\"put\"", "\"op\":\"delete\"", "\"op\":7", "\"key\":\"k\"", "\"key\":\"\"",
        "\"key\":[]", "\"value\":\"aGk=\"", "\"value\":\"a\"", "\"value\":null", "\"prev\":3",
        "\"prev\":-5", "\"prev\":1e3", "\"prev\":{}", "\"id\":\"r\"", "\"id\":5", "\"x\":1");
    Arbitrary<String> nearCommands = field.list().ofMaxSize(5)
        .map(fields -> "{" + String.join(",", fields) + "}");
    return Arbitraries.oneOf(anyText, nearCommands);
  }

  private static boolean isWellFormed(String s) {
    return s.codePoints().noneMatch(c -> Character.getType(c) == Character.SURROGATE);
  }
}
