package raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.arbitraries.LongArbitrary;
import raftkv.raft.AppendEntries;
import raftkv.raft.AppendEntriesResponse;
import raftkv.raft.Entry;
import raftkv.raft.Message;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;
import raftkv.raft.TimeoutNow;

/**
 * Every valid batch survives the round trip exactly, and no input at all makes the decoder throw
 * anything but {@link MalformedRpcException}: random bytes, random JSON made of the protocol's
 * own words, and valid bodies with bytes cut, changed or inserted.
 */
class RaftJsonProperties {

  @Property(tries = 300)
  void validBatchesRoundTripExactly(@ForAll("batches") Batch batch) throws Exception {
    Batch decoded = RaftJson.decode(RaftJson.encode(batch));

    assertThat(decoded).isEqualTo(batch);
  }

  @Property(tries = 2000)
  void randomBytesAreMalformed(@ForAll byte[] body) {
    assertOnlyMalformedOrValid(body);
  }

  @Property(tries = 1000)
  void randomJsonIsMalformedOrValid(@ForAll("json") String body) {
    assertOnlyMalformedOrValid(body.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 1000)
  void damagedBodiesAreMalformedOrValid(@ForAll("batches") Batch batch,
      @ForAll("damage") Damage damage) {
    byte[] body = RaftJson.encode(batch).getBytes();

    assertOnlyMalformedOrValid(damage.applyTo(body));
  }

  /** Decoding either fails cleanly or yields a batch that encodes and decodes to itself. */
  private static void assertOnlyMalformedOrValid(byte[] body) {
    Batch batch;
    try {
      batch = RaftJson.decode(body);
    } catch (MalformedRpcException expected) {
      assertThat(expected.getMessage()).isNotBlank();
      return;
    }
    try {
      assertThat(RaftJson.decode(RaftJson.encode(batch))).isEqualTo(batch);
    } catch (MalformedRpcException e) {
      throw new AssertionError("a decoded batch does not decode again: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- valid batches

  @Provide
  Arbitrary<Batch> batches() {
    // Messages are made between nodes 1 and 2 and then readdressed: an arbitrary built per
    // sample (flatMap) would make generation far slower.
    Arbitrary<Message> messages = Arbitraries.oneOf(vote(), voteResponse(), append(),
        appendResponse(), timeoutNow());
    return Combinators.combine(nodeIds(), nodeIds(), messages.list().ofMinSize(1).ofMaxSize(8))
        .as((from, to, list) -> new Batch(from, to,
            list.stream().map(m -> readdress(m, from, to)).toList()));
  }

  private static Arbitrary<Integer> nodeIds() {
    return Arbitraries.oneOf(Arbitraries.integers().between(1, 5),
        Arbitraries.integers().between(1, Integer.MAX_VALUE));
  }

  private static Message readdress(Message m, int from, int to) {
    if (m instanceof RequestVote v) {
      return new RequestVote(from, to, v.term(), v.lastLogIndex(), v.lastLogTerm(), v.preVote(),
          v.transfer());
    } else if (m instanceof TimeoutNow t) {
      return new TimeoutNow(from, to, t.term());
    } else if (m instanceof RequestVoteResponse r) {
      return new RequestVoteResponse(from, to, r.term(), r.granted(), r.preVote());
    } else if (m instanceof AppendEntries a) {
      return new AppendEntries(from, to, a.term(), a.prevLogIndex(), a.prevLogTerm(), a.entries(),
          a.leaderCommit(), a.readSeq());
    }
    AppendEntriesResponse r = (AppendEntriesResponse) m;
    return new AppendEntriesResponse(from, to, r.term(), r.success(), r.matchIndex(),
        r.rejectedIndex(), r.conflictIndex(), r.conflictTerm(), r.readSeq());
  }

  private static LongArbitrary numbers() {
    return Arbitraries.longs().greaterOrEqual(0);
  }

  private static Arbitrary<Message> vote() {
    return Combinators.combine(numbers(), numbers(), numbers(), Arbitraries.of(true, false),
            Arbitraries.of(true, false))
        .as((term, index, lastTerm, pre, transfer) ->
            new RequestVote(1, 2, term, index, lastTerm, pre, transfer));
  }

  private static Arbitrary<Message> timeoutNow() {
    return numbers().map(term -> new TimeoutNow(1, 2, term));
  }

  private static Arbitrary<Message> voteResponse() {
    return Combinators.combine(numbers(), Arbitraries.of(true, false), Arbitraries.of(true, false))
        .as((term, granted, pre) -> new RequestVoteResponse(1, 2, term, granted, pre));
  }

  private static Arbitrary<Message> appendResponse() {
    return Combinators.combine(numbers(), Arbitraries.of(true, false), numbers(), numbers(),
            numbers(), numbers(), numbers())
        .as((term, success, match, rejected, conflictIndex, conflictTerm, readSeq) ->
            new AppendEntriesResponse(1, 2, term, success, match, rejected, conflictIndex,
                conflictTerm, readSeq));
  }

  /** Entries follow prevLogIndex, with terms from 1 up to the message's term, in order. */
  private static Arbitrary<Message> append() {
    Arbitrary<Long> terms = numbers().between(1, Long.MAX_VALUE);
    Arbitrary<Long> prevIndexes = numbers().between(0, Long.MAX_VALUE - 100);
    return Combinators.combine(terms, prevIndexes, numbers(), numbers(), numbers(),
            commands().list().ofMaxSize(6))
        .as((term, prev, prevTerm, commit, readSeq, commands) -> {
          List<Entry> entries = new ArrayList<>();
          long entryTerm = Math.max(1, term - commands.size());
          for (String command : commands) {
            entries.add(new Entry(prev + 1 + entries.size(), entryTerm, command));
            entryTerm = Math.min(term, entryTerm + entries.size() % 2);
          }
          return new AppendEntries(1, 2, term, prev, prevTerm, entries, commit, readSeq);
        });
  }

  private static Arbitrary<String> commands() {
    return Arbitraries.oneOf(
        Arbitraries.just(""),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withChars("\"\\/{}[]:,\n\r\t\u0000\u2028é😀").ofMaxLength(12));
  }

  // ---------------------------------------------------------------- hostile input

  /**
   * JSON values whose names and shapes come from the protocol, alone or as the messages of a
   * plausible envelope, so that decoding gets deep before it fails.
   */
  @Provide
  Arbitrary<String> json() {
    Arbitrary<String> values = Arbitraries.recursive(this::scalar, this::compound, 4);
    Arbitrary<String> envelopes = values.list().ofMaxSize(3)
        .map(messages -> "{\"from\":1,\"to\":2,\"messages\":[" + String.join(",", messages) + "]}");
    return Arbitraries.oneOf(values, envelopes);
  }

  private Arbitrary<String> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.of("0", "1", "2", "-1", "3.5", "1e3", "true", "false", "null", "\"\"",
            "9223372036854775807", "9223372036854775808", "\"vote\"", "\"append\"",
            "\"vote-response\"", "\"append-response\""),
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.strings().ofMaxLength(8).map(s -> '"' + s.replace("\\", "\\\\")
            .replace("\"", "\\\"") + '"'));
  }

  private Arbitrary<String> compound(Arbitrary<String> inner) {
    Arbitrary<String> names = Arbitraries.oneOf(
        Arbitraries.of("from", "to", "messages", "type", "term", "entries", "index", "command",
            "preVote", "granted", "success", "lastLogIndex", "lastLogTerm", "prevLogIndex",
            "prevLogTerm", "leaderCommit", "readSeq", "matchIndex", "rejectedIndex",
            "conflictIndex", "conflictTerm"),
        Arbitraries.strings().alpha().ofMaxLength(5));
    Arbitrary<String> object = Combinators.combine(names, inner).as((k, v) -> '"' + k + "\":" + v)
        .list().ofMaxSize(6).map(fields -> fields.stream().collect(Collectors.joining(",", "{",
            "}")));
    Arbitrary<String> array = inner.list().ofMaxSize(4)
        .map(items -> items.stream().collect(Collectors.joining(",", "[", "]")));
    return Arbitraries.oneOf(object, array);
  }

  /** A change to a valid body: cut a range, overwrite one byte, or insert a fragment. */
  record Damage(int kind, int position, int length, byte value, String fragment) {
    byte[] applyTo(byte[] body) {
      int at = Math.floorMod(position, body.length);
      String text = new String(body, StandardCharsets.ISO_8859_1);
      String damaged = switch (kind) {
        case 0 -> text.substring(0, at) + text.substring(Math.min(body.length, at + length));
        case 1 -> text.substring(0, at) + (char) (value & 0xff) + text.substring(at + 1);
        default -> text.substring(0, at) + fragment + text.substring(at);
      };
      return damaged.getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  @Provide
  Arbitrary<Damage> damage() {
    return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers(),
            Arbitraries.integers().between(1, 20), Arbitraries.bytes(),
            Arbitraries.of("-", "0", "\"", ",", "}", "]", "{", "[", "null", "1.5",
                "99999999999999999999", "\"x\":1,", "\"term\":2,", "\"type\":\"vote\","))
        .as(Damage::new);
  }
}
