package raftkv.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The sequential specification of raftkv's key-value store, for checking its histories: a map
 * from keys to values, where a key is absent until it is put and after it is deleted.
 *
 * <ul>
 *   <li>{@link KvInput.Put}: sets the key; answers {@link KvOutput#OK}.
 *   <li>{@link KvInput.Get}: answers {@link KvOutput#read} with the key's value, {@code null} if
 *       absent.
 *   <li>{@link KvInput.Delete}: removes the key if present; answers {@link KvOutput#OK}.
 *   <li>{@link KvInput.Cas}: swaps if the value is the expected one (absent for a null expected);
 *       answers {@link KvOutput#swapped} with whether it did.
 * </ul>
 *
 * <p>The answers of Put and Delete are not looked at. A history is split by key: keys are
 * independent registers, and checking them apart is much faster.
 */
public final class KvModel implements Model<Map<String, String>, KvInput, KvOutput> {

  @Override
  public Map<String, String> init() {
    return Map.of();
  }

  @Override
  public Optional<Map<String, String>> step(
      Map<String, String> state, KvInput input, KvOutput output) {
    String current = state.get(input.key());
    if (input instanceof KvInput.Put put) {
      return Optional.of(with(state, put.key(), put.value()));
    }
    if (input instanceof KvInput.Delete delete) {
      return Optional.of(with(state, delete.key(), null));
    }
    if (input instanceof KvInput.Get) {
      boolean legal = output == null || Objects.equals(output.value(), current);
      return legal ? Optional.of(state) : Optional.empty();
    }
    KvInput.Cas cas = (KvInput.Cas) input;
    boolean matches = Objects.equals(current, cas.expected());
    // An unknown outcome counts as a swap: a failed compare changes nothing, which the checker
    // already covers by letting the operation never take effect.
    boolean swapped = output == null || output.ok();
    if (swapped != matches) {
      return Optional.empty();
    }
    return Optional.of(swapped ? with(state, cas.key(), cas.value()) : state);
  }

  /** One partition per key, in order of first appearance. */
  @Override
  public List<List<Operation<KvInput, KvOutput>>> partition(
      List<Operation<KvInput, KvOutput>> history) {
    Map<String, List<Operation<KvInput, KvOutput>>> byKey = new LinkedHashMap<>();
    for (Operation<KvInput, KvOutput> op : history) {
      byKey.computeIfAbsent(op.input().key(), key -> new ArrayList<>()).add(op);
    }
    return List.copyOf(byKey.values());
  }

  @Override
  public String describePartition(List<Operation<KvInput, KvOutput>> part) {
    return part.isEmpty() ? "" : "key \"" + part.get(0).input().key() + "\"";
  }

  @Override
  public String describeOutput(KvInput input, KvOutput output) {
    if (input instanceof KvInput.Get) {
      return output.value() == null ? "absent" : "\"" + output.value() + "\"";
    }
    if (input instanceof KvInput.Cas) {
      return output.ok() ? "swapped" : "not swapped";
    }
    return "ok";
  }

  @Override
  public String describe(Map<String, String> state) {
    return new TreeMap<>(state).toString();
  }

  /** {@code state} with {@code key} set to {@code value}, or removed if {@code value} is null. */
  private static Map<String, String> with(Map<String, String> state, String key, String value) {
    Map<String, String> next = new HashMap<>(state);
    if (value == null) {
      next.remove(key);
    } else {
      next.put(key, value);
    }
    return Map.copyOf(next);
  }
}
