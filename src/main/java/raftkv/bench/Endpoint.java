package raftkv.bench;

import java.net.URI;
import java.net.URISyntaxException;

/** One server to send to, from a {@code --url}: host, port, and a path prefix ("" for none). */
record Endpoint(String host, int port, String basePath, String url, boolean https) {

  static Endpoint parse(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad --url " + url + ": " + e.getMessage());
    }
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !https) {
      throw new IllegalArgumentException("bad --url " + url + ": only http:// and https:// URLs"
          + " are supported");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("bad --url " + url + ": no host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("bad --url " + url + ": no query or fragment allowed");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
    return new Endpoint(host, uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort(), path,
        url.trim(), https);
  }
}
