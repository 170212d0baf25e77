package raftkv.storage;

import java.util.List;
import java.util.Objects;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * What {@link RaftStorage#load()} found on disk: the hard state, the whole log in index order
 * (starting at index 1), and warnings about what recovery had to repair (a torn last record,
 * a leftover temp file), also logged at WARN.
 *
 * <p>Invariant: {@code hardState.commit() <= lastIndex()} (a commit hint past the durable log is
 * clamped, with a warning).
 */
public record Recovered(HardState hardState, List<Entry> entries, List<String> warnings) {

  public Recovered {
    Objects.requireNonNull(hardState, "hardState");
    entries = List.copyOf(entries);
    warnings = List.copyOf(warnings);
  }

  /** The index of the last recovered entry, 0 if the log is empty. */
  public long lastIndex() {
    return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
  }
}
