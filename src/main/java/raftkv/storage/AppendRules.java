package raftkv.storage;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/** The rules every {@link RaftStorage} applies, in one place so that all behave the same. */
final class AppendRules {

  private static final Logger LOG = LoggerFactory.getLogger(AppendRules.class);

  private AppendRules() {}

  /** Rejects a batch that is not contiguous and ascending, or that would leave a gap. */
  static void check(List<Entry> entries, long lastIndex) {
    long first = entries.get(0).index();
    if (first > lastIndex + 1) {
      throw new IllegalArgumentException("append at index " + first + " would leave a gap: the log"
          + " ends at " + lastIndex);
    }
    for (int i = 1; i < entries.size(); i++) {
      if (entries.get(i).index() != first + i) {
        throw new IllegalArgumentException("entries are not contiguous: index "
            + entries.get(i).index() + " at position " + i + " of a batch starting at " + first);
      }
    }
  }

  /**
   * The recovered hard state, with a commit hint past the end of the log clamped to it. That
   * happens when the hard state was saved but the log's tail was lost with its fsync.
   */
  static HardState clampCommit(HardState state, long lastIndex, List<String> warnings) {
    if (state.commit() <= lastIndex) return state;
    String message = "the saved commit index " + state.commit() + " is past the last entry in"
        + " the log (" + lastIndex + "): its unsynced tail was lost in a crash; using " + lastIndex;
    LOG.warn(message);
    warnings.add(message);
    return new HardState(state.term(), state.votedFor(), lastIndex);
  }
}
