package raftkv.check;

import java.util.Objects;

/** What a client asks the key-value store; see {@link KvModel} for the answers. */
public sealed interface KvInput permits KvInput.Put, KvInput.Get, KvInput.Delete, KvInput.Cas {

  String key();

  /** Sets {@code key} to {@code value}. */
  record Put(String key, String value) implements KvInput {
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "put(" + key + ", " + value + ")";
    }
  }

  /** Reads {@code key}. */
  record Get(String key) implements KvInput {
    public Get {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "get(" + key + ")";
    }
  }

  /** Removes {@code key}; removing an absent key is fine. */
  record Delete(String key) implements KvInput {
    public Delete {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "delete(" + key + ")";
    }
  }

  /**
   * Sets {@code key} to {@code value} if its value is {@code expected}; a null {@code expected}
   * means "only if the key is absent".
   */
  record Cas(String key, String expected, String value) implements KvInput {
    public Cas {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "cas(" + key + ", " + (expected == null ? "absent" : expected) + " -> " + value + ")";
    }
  }
}
