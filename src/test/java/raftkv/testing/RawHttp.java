package raftkv.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte by byte as the test writes it: for what no HTTP client
 * library sends (malformed requests, raw UTF-8, a body cut off, headers trickled in) and for
 * reading exactly what the server answers (interim 100s, a close). Blocking: use it from test
 * threads, never from an event loop.
 */
public final class RawHttp implements Closeable {

  /** One response; header names in lower case. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return Buffer.buffer(body).toJsonObject();
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects; each read waits at most {@code readTimeoutMs}. */
  public static RawHttp connect(String host, int port, int readTimeoutMs) throws IOException {
    Socket socket = new Socket(host, port);
    socket.setSoTimeout(readTimeoutMs);
    socket.setTcpNoDelay(true);
    return new RawHttp(socket);
  }

  /** Sends {@code request} (a whole request, with {@code Connection: close}) and reads the answer. */
  public static Response exchange(String host, int port, String request) throws IOException {
    try (RawHttp http = connect(host, port, 10_000)) {
      http.send(request);
      return http.read(false);
    }
  }

  /** Sends text as UTF-8 bytes, as they are. */
  public RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  public RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads one response (an interim {@code 100} is one too); {@code head}: it has no body. */
  public Response read(boolean head) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    byte[] body = new byte[0];
    if (!head && status >= 200 && status != 204 && status != 304) {
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = chunkedBody();
      } else if (headers.containsKey("content-length")) {
        body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
      } else {
        body = in.readAllBytes();
      }
    }
    return new Response(status, headers, body);
  }

  /**
   * Whether the server closed the connection: true once a read sees the end of the stream (or a
   * reset) within the read timeout, false when it is still open and silent.
   */
  public boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private byte[] chunkedBody() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(line().split(";")[0].trim(), 16);
      if (size == 0) {
        while (!line().isEmpty()) { } // trailers
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      line();
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b == -1) throw new EOFException("the connection closed mid-line: " + line);
      if (b != '\r') line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
