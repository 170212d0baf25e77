package raftkv.bench;

/** One request of the workload: read or write one key (writes carry the run's fixed value). */
record Operation(Kind kind, String key) {

  enum Kind {
    READ, WRITE;

    String label() {
      return this == READ ? "read" : "write";
    }
  }

  boolean isRead() {
    return kind == Kind.READ;
  }
}
