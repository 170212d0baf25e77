package raftkv.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The key-value store of the histories in {@code porcupine/kv}: get, put and append, where an
 * absent key reads as the empty string. The history is split by key, so a state is the value of
 * one key.
 */
final class PorcupineKvModel implements Model<String, PorcupineKvModel.Input, String> {

  enum Kind { GET, PUT, APPEND }

  /** A request; {@code value} is null for a get. The answer is the value a get read. */
  record Input(Kind kind, String key, String value) {
    Input {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return kind.name().toLowerCase() + "(" + key + (value == null ? "" : ", \"" + value + "\"")
          + ")";
    }
  }

  @Override
  public String init() {
    return "";
  }

  @Override
  public Optional<String> step(String state, Input input, String output) {
    switch (input.kind()) {
      case GET:
        return output == null || output.equals(state) ? Optional.of(state) : Optional.empty();
      case PUT:
        return Optional.of(input.value());
      default:
        return Optional.of(state + input.value());
    }
  }

  @Override
  public List<List<Operation<Input, String>>> partition(List<Operation<Input, String>> history) {
    Map<String, List<Operation<Input, String>>> byKey = new LinkedHashMap<>();
    for (Operation<Input, String> op : history) {
      byKey.computeIfAbsent(op.input().key(), key -> new ArrayList<>()).add(op);
    }
    return List.copyOf(byKey.values());
  }

  @Override
  public String describePartition(List<Operation<Input, String>> part) {
    return part.isEmpty() ? "" : "key \"" + part.get(0).input().key() + "\"";
  }

  @Override
  public String describeOutput(Input input, String output) {
    return input.kind() == Kind.GET ? "\"" + output + "\"" : "ok";
  }

  @Override
  public String describe(String state) {
    return "\"" + state + "\"";
  }
}
