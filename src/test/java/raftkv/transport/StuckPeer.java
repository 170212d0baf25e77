package raftkv.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A peer that takes connections and never reads from them or answers, like a paused process.
 * {@link #close} then kills it: the connections are reset, as when a process dies.
 */
final class StuckPeer implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> connections = Collections.synchronizedList(new ArrayList<>());

  StuckPeer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptUntilClosed, "stuck-peer-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** True once some request bytes have arrived (and, of course, not been read). */
  boolean holdsUnreadRequest() {
    synchronized (connections) {
      for (Socket s : connections) {
        try {
          if (s.getInputStream().available() > 0) return true;
        } catch (IOException closed) {
          // not holding anything then
        }
      }
    }
    return false;
  }

  /** Closes with unread data, which makes the kernel reset each connection. */
  @Override
  public void close() throws IOException {
    server.close();
    synchronized (connections) {
      for (Socket s : connections) s.close();
    }
  }

  private void acceptUntilClosed() {
    try {
      while (true) connections.add(server.accept());
    } catch (IOException closed) {
      // close() was called
    }
  }
}
