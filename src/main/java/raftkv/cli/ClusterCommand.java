package raftkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import raftkv.cli.ClusterClient.Answer;
import raftkv.cli.ClusterClient.Kind;
import raftkv.cli.ClusterClient.Request;
import raftkv.cli.ClusterClient.Response;

/**
 * {@code raftkv cluster status|members|add|promote|remove|transfer}: how the cluster is, and the
 * membership and leadership changes of docs/API.md.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
    description = "Show the cluster's members and their state; add, promote and remove members;"
        + " move the leadership.",
    footer = {"%nA new node joins as a learner ('add', or 'raftkv node --join'), and votes once"
        + " promoted ('promote --wait'). Endpoints default to $RAFTKV_ENDPOINTS, else the local"
        + " cluster of ./cluster.sh.", ClientError.EXIT_STATUSES})
final class ClusterCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "name a command: status, members, add, promote, remove or transfer");
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = {
      "Ask every member (as the endpoints list them) for its state: ID, ROLE, TERM, LEADER (the"
          + " leader it knows), COMMIT, APPLIED and LAST log index, URL.",
      "-o json: an array of the members' GET /v1/cluster answers, each with \"id\", \"url\" and"
          + " \"reachable\" (and \"error\" when it is false).",
      "Exits 4 when no member says it leads."})
  int status(@Mixin ClientOptions options) {
    return options.run((client, out) -> {
      Map<String, Answer> answers = firstAnswers(client);
      // every member any endpoint knows of, by id; the first to name it gives its URL
      Map<Integer, String> members = new TreeMap<>();
      for (Answer answer : answers.values()) {
        ObjectNode view = answered(answer);
        if (view != null) memberUrls(view).forEach(members::putIfAbsent);
      }
      List<String> notAsked = members.values().stream()
          .filter(url -> !answers.containsKey(url)).distinct().toList();
      answers.putAll(client.askEach(notAsked, "/v1/cluster"));

      ArrayNode json = JsonNodeFactory.instance.arrayNode();
      List<List<String>> rows = new ArrayList<>();
      boolean leaderKnown = false;
      for (Map.Entry<Integer, String> member : members.entrySet()) {
        Answer answer = answers.get(member.getValue());
        ObjectNode status = answered(answer);
        ObjectNode item = status == null ? Output.object() : status.deepCopy();
        item.put("id", member.getKey()).put("url", member.getValue())
            .put("reachable", status != null);
        json.add(status == null ? item.put("error", problem(answer)) : item);
        rows.add(status == null ? unreachableRow(member.getKey(), member.getValue(), answer)
            : statusRow(member.getKey(), member.getValue(), status));
        leaderKnown |= status != null && status.path("role").asText().equals("LEADER");
      }
      if (out.json()) {
        out.json(json);
      } else {
        out.table(List.of("ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "URL"),
            rows);
      }
      if (!leaderKnown) {
        throw ClientError.unavailable("no member says it leads: an election may be under way"
            + " (look again in a moment), or too few members are up to elect a leader");
      }
    });
  }

  @Command(name = "members", mixinStandardHelpOptions = true, description = {
      "The configuration, as the leader has it: ID, KIND (voter or learner), CLIENT URL, RAFT"
          + " ADDRESS, MATCH (how far each member's log matches the leader's; '-' for the"
          + " leader itself).",
      "-o json: the answer of GET /v1/members, as the server sends it."})
  int members(@Mixin ClientOptions options) {
    return options.run((client, out) -> {
      ObjectNode members = client.send(Request.read("/v1/members")).require(200).json();
      if (out.json()) {
        out.json(members);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (String kind : List.of("voter", "learner")) {
        for (JsonNode m : members.path(kind + "s")) {
          rows.add(List.of(m.path("id").asText(), kind, m.path("clientUrl").asText(),
              m.path("raftAddress").asText(), m.path("matchIndex").asText("-")));
        }
      }
      out.table(List.of("ID", "KIND", "CLIENT URL", "RAFT ADDRESS", "MATCH"), rows);
    });
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = {
      "Add node ID as a learner at that address: the leader starts sending it the log. Start the"
          + " node, then 'promote' it once it has caught up.",
      "-o json: the answer of POST /v1/members (the members, and \"changed\")."})
  int add(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "ID") int id,
      @Option(names = "--host", required = true, paramLabel = "HOST") String host,
      @Option(names = "--raft-port", required = true, paramLabel = "PORT") int raftPort,
      @Option(names = "--client-port", required = true, paramLabel = "PORT") int clientPort) {
    return options.run((client, out) -> {
      ObjectNode body = Output.object().put("id", id).put("host", host)
          .put("raftPort", raftPort).put("clientPort", clientPort);
      ObjectNode answer = client.send(Request.of(Kind.CHANGE, "POST", "/v1/members",
          body.toString().getBytes(StandardCharsets.UTF_8))).require(200).json();
      printChange(out, answer, "added node " + id + " as a learner; promote it once it has"
          + " caught up", "node " + id + " is already a member at that address: nothing changed");
    });
  }

  @Command(name = "promote", mixinStandardHelpOptions = true, description = {
      "Make learner ID a voter. The leader refuses (exit 5) until its log has caught up; with"
          + " --wait, ask again until it takes it or --timeout runs out.",
      "-o json: the answer of POST /v1/members/ID/promote."})
  int promote(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "ID") int id,
      @Option(names = "--wait", description = "retry while the leader answers 'not now' (409)")
          boolean wait) {
    return options.run((client, out) -> {
      Request request = Request.of(Kind.CHANGE, "POST", "/v1/members/" + id + "/promote", null);
      ClusterClient.Backoff backoff = client.backoff();
      Response r = client.send(request);
      while (wait && r.status() == 409 && backoff.pause()) r = client.send(request);
      if (r.status() == 409) {
        throw ClientError.refused(r.error() + (wait ? "; still so after "
            + Output.duration(client.timeout()) + ": raise --timeout"
            : "; try again later, or add --wait"));
      }
      printChange(out, r.require(200).json(), "promoted node " + id + " to voter",
          "node " + id + " is already a voter: nothing changed");
    });
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = {
      "Remove member ID (voter or learner), then stop its process; its data directory can then"
          + " be deleted.",
      "-o json: the answer of DELETE /v1/members/ID."})
  int remove(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "ID") int id) {
    return options.run((client, out) -> {
      Response r = client.send(Request.of(Kind.CHANGE, "DELETE", "/v1/members/" + id, null));
      ObjectNode answer;
      if (r.status() == 404 && r.afterUnknown()) {
        // the attempt whose answer was lost did remove it
        answer = client.send(Request.read("/v1/members")).require(200).json()
            .put("changed", true);
      } else {
        answer = r.require(200).json();
      }
      printChange(out, answer, "removed node " + id + ": stop it now", "nothing changed");
    });
  }

  @Command(name = "transfer", mixinStandardHelpOptions = true, description = {
      "Hand the leadership to voter ID (without ID: to the voter with the longest log). Prints"
          + " 'leader is now node N (term T)' (-o json: {\"leaderId\":N,\"term\":T}).",
      "Not retried once sent: when the answer is lost it exits 4; look with 'status'."})
  int transfer(@Mixin ClientOptions options,
      @Parameters(index = "0", arity = "0..1", paramLabel = "ID") Integer id) {
    return options.run((client, out) -> {
      ObjectNode body = id == null ? Output.object() : Output.object().put("to", id);
      ObjectNode answer = client.send(Request.of(Kind.TRANSFER, "POST", "/v1/leader",
          body.toString().getBytes(StandardCharsets.UTF_8))).require(200).json();
      if (out.json()) {
        out.json(answer);
      } else {
        out.line("leader is now node " + answer.path("leaderId").asText() + " (term "
            + answer.path("term").asText() + ")");
      }
    });
  }

  // ------------------------------------------------------------------ status, piece by piece

  /** Every endpoint's {@code /v1/cluster}, asked again after a pause until one answers. */
  private static Map<String, Answer> firstAnswers(ClusterClient client) {
    ClusterClient.Backoff backoff = client.backoff();
    while (true) {
      Map<String, Answer> answers = client.askEach(client.endpoints(), "/v1/cluster");
      if (answers.values().stream().anyMatch(a -> answered(a) != null)) return answers;
      if (!backoff.pause()) {
        List<String> problems = new ArrayList<>();
        answers.forEach((url, answer) -> problems.add(url + ": " + problem(answer)));
        throw ClientError.unavailable("no endpoint answered (" + String.join("; ", problems)
            + "): check that the cluster is up and --endpoints");
      }
    }
  }

  /** The members a node's or the gateway's status names, by id. */
  private static Map<Integer, String> memberUrls(JsonNode view) {
    Map<Integer, String> urls = new TreeMap<>();
    for (String list : List.of("members", "learners", "nodes")) {
      for (JsonNode m : view.path(list)) {
        int id = m.path("id").asInt();
        if (id > 0 && m.path("clientUrl").isTextual()) {
          urls.put(id, m.path("clientUrl").textValue());
        }
      }
    }
    return urls;
  }

  /** The status in an answer, or null if it holds none. */
  private static ObjectNode answered(Answer answer) {
    if (answer == null || answer.response() == null || answer.response().status() != 200) {
      return null;
    }
    try {
      return answer.response().json();
    } catch (ClientError notJson) {
      return null;
    }
  }

  private static String problem(Answer answer) {
    if (answer == null) return "not asked";
    Response r = answer.response();
    if (r == null) return answer.failure();
    return r.status() == 200 ? "answered no JSON" : "answered " + r.status() + ": " + r.error();
  }

  private static List<String> statusRow(int id, String url, JsonNode s) {
    String self = s.path("membership").path("self").asText("voter");
    long leader = s.path("leaderId").asLong();
    return List.of(String.valueOf(id),
        s.path("role").asText("?") + (self.equals("voter") ? "" : " (" + self + ")"),
        s.path("term").asText("?"), leader == 0 ? "none" : String.valueOf(leader),
        s.path("commitIndex").asText("?"), s.path("appliedIndex").asText("?"),
        s.path("lastIndex").asText("?"), url);
  }

  private static List<String> unreachableRow(int id, String url, Answer answer) {
    return List.of(String.valueOf(id), "-", "-", "-", "-", "-", "-",
        url + "  unreachable: " + problem(answer));
  }

  private static void printChange(Output out, JsonNode answer, String changed,
      String unchanged) {
    if (out.json()) {
      out.json(answer);
    } else {
      out.line(answer.path("changed").asBoolean(true) ? changed : unchanged);
    }
  }
}
