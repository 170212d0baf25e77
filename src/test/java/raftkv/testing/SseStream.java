package raftkv.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A watch stream as a client reads it: Server-Sent Events over one HTTP connection, read on a
 * thread of its own, each event queued for the test to take in order.
 */
public final class SseStream implements AutoCloseable {

  /** One event: its {@code event:} name ("message" for a change), {@code id:} and data. */
  public record Event(String name, String id, String data) {
    public JsonObject json() {
      return new JsonObject(data);
    }

    public boolean isChange() {
      return name.equals("message");
    }
  }

  /** The stream's end, queued after its last event. */
  public static final Event END = new Event("end", null, "{}");

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final int status;
  private final String errorBody;
  private final InputStream body;
  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

  private SseStream(int status, String errorBody, InputStream body) {
    this.status = status;
    this.errorBody = errorBody;
    this.body = body;
    if (body != null) {
      Thread reader = new Thread(this::read, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }
  }

  /** Opens {@code http://127.0.0.1:port + uri}; a refusal (non-200) is kept with its body. */
  public static SseStream open(int port, String uri, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + uri)).timeout(Duration.ofSeconds(10)).GET();
    for (int i = 0; i + 1 < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
    HttpResponse<InputStream> response = CLIENT.send(request.build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      try (InputStream in = response.body()) {
        return new SseStream(response.statusCode(),
            new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
      }
    }
    return new SseStream(200, null, response.body());
  }

  public int status() {
    return status;
  }

  /** The JSON body of a refusal. */
  public JsonObject error() {
    return new JsonObject(errorBody);
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String name = "message";
      String id = null;
      StringBuilder data = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty()) {
          if (data.length() > 0) events.add(new Event(name, id, data.toString()));
          name = "message";
          id = null;
          data.setLength(0);
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (IOException closed) {
      // the stream ended or was closed
    } finally {
      events.add(END);
    }
  }

  /** The next event, or null if none comes within {@code timeoutMs}. */
  public Event next(long timeoutMs) throws InterruptedException {
    return events.poll(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The next change event, skipping progress events; fails after {@code timeoutMs}. */
  public Event nextChange(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Event e = next(Math.max(1, left));
      if (e == null) throw new AssertionError("no change within " + timeoutMs + " ms");
      if (e.isChange() || e == END || !e.name().equals("progress")) return e;
    }
  }

  /** Changes until {@code count} have come; fails after {@code timeoutMs}. */
  public List<Event> changes(int count, long timeoutMs) throws InterruptedException {
    List<Event> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (out.size() < count) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Event e = nextChange(Math.max(1, left));
      if (!e.isChange()) throw new AssertionError("the stream gave " + e + " after " + out);
      out.add(e);
    }
    return out;
  }

  /** Waits for a progress event (the stream has caught up); fails after {@code timeoutMs}. */
  public Event awaitProgress(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Event e = next(Math.max(1, left));
      if (e == null) throw new AssertionError("no progress event within " + timeoutMs + " ms");
      if (e.name().equals("progress")) return e;
      if (e == END) throw new AssertionError("the stream ended before catching up");
    }
  }

  @Override
  public void close() throws IOException {
    if (body != null) body.close();
  }
}
