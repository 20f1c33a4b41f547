package io.vqgen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * TEST FIXTURE: an HTTP proxy on 127.0.0.1 in front of an S3 server ({@link LocalS3}) that injects storage faults
 * by rule: S3 error responses (503 SlowDown, 500 InternalError, with S3's XML error body), a connection reset in
 * the middle of a request body, a slow response, and a response body that ends early. Point S3A at {@link #port()}
 * (e.g. {@code LocalS3.hadoopSettings(proxy.port())}).
 * <p>
 * One request per client connection: the request head is forwarded with {@code Connection: close}, then bytes are
 * pumped both ways until the server closes, so no keep-alive parsing is needed (the client opens a new connection
 * for its next request). Bodies are counted in bytes as they travel on the wire, whatever their framing. Over
 * plain HTTP, S3A's AWS SDK (2.35) sends a PUT body with {@code Expect: 100-continue}, a {@code Content-Length} and
 * {@code Content-Encoding: aws-chunked} (signed chunks: {@code x-amz-decoded-content-length} is the object's size),
 * never with chunked transfer encoding; {@link #requests()} keeps those headers of every request.
 */
public final class FaultyS3Proxy implements AutoCloseable {
    /** What a rule does to a request it matches. */
    public sealed interface Fault {
        /** The fault's kind, for the counts in {@link #injected()}. */
        String kind();
    }

    /** Answers at once with an S3 error (status, S3 error code, XML body); the server never sees the request. */
    public record ErrorResponse(int status, String code, String message) implements Fault {
        @Override
        public String kind() {
            return status + " " + code;
        }
    }

    /** Forwards the request head and {@code bodyBytes} bytes of its body, then resets both connections (TCP RST). */
    public record ResetUpload(long bodyBytes) implements Fault {
        @Override
        public String kind() {
            return "reset mid-upload";
        }
    }

    /** Holds the server's response for {@code millis} before passing it on. */
    public record SlowResponse(long millis) implements Fault {
        @Override
        public String kind() {
            return "slow response";
        }
    }

    /** Passes on the response head and {@code bodyBytes} bytes of its body, then closes the connection. */
    public record ShortBody(long bodyBytes) implements Fault {
        @Override
        public String kind() {
            return "body ends early";
        }
    }

    public static Fault slowDown() {
        return new ErrorResponse(503, "SlowDown", "Please reduce your request rate.");
    }

    public static Fault internalError() {
        return new ErrorResponse(500, "InternalError", "We encountered an internal error. Please try again.");
    }

    /**
     * Applies {@code fault} to the next {@code times} requests whose method is {@code method} ("*" for any) and
     * whose request target (path and query, e.g. {@code /bucket/out/images/a/0.png?uploadId=1}) contains a match of
     * {@code target}. Rules are tried in the order they were added; a used-up rule no longer matches.
     * {@code injected} counts the faults that happened (a reset needs a body long enough to cut).
     */
    public record Rule(Fault fault, String method, Pattern target, AtomicInteger remaining, AtomicInteger injected) {
        boolean take(String requestMethod, String requestTarget) {
            if (!(method.equals("*") || method.equalsIgnoreCase(requestMethod))
                    || !target.matcher(requestTarget).find()) {
                return false;
            }
            for (int left = remaining.get(); left > 0; left = remaining.get()) {
                if (remaining.compareAndSet(left, left - 1)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One request as it arrived: method, target, and the headers that say how its body is framed. */
    public record Request(String method, String target, Map<String, String> framing, String fault) {
    }

    private static final List<String> FRAMING_HEADERS = List.of("content-length", "transfer-encoding",
            "content-encoding", "expect", "x-amz-content-sha256", "x-amz-decoded-content-length");

    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-s3-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();
    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private FaultyS3Proxy(ServerSocket server, int upstreamPort) {
        this.server = server;
        this.upstreamPort = upstreamPort;
    }

    /** Starts a proxy on a free port of 127.0.0.1 that forwards to {@code 127.0.0.1:upstreamPort}. */
    public static FaultyS3Proxy start(int upstreamPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        FaultyS3Proxy proxy = new FaultyS3Proxy(server, upstreamPort);
        proxy.threads.execute(proxy::accept);
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    public Rule inject(Fault fault, String method, String target, int times) {
        Rule rule = new Rule(fault, method, Pattern.compile(target), new AtomicInteger(times), new AtomicInteger());
        rules.add(rule);
        return rule;
    }

    /** Removes every rule (counts and the request log stay). */
    public void clearRules() {
        rules.clear();
    }

    /** Faults injected so far, by kind. */
    public Map<String, Integer> injected() {
        Map<String, Integer> counts = new TreeMap<>();
        injected.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    public int injected(String kind) {
        AtomicInteger n = injected.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Every request seen so far, in arrival order. */
    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        threads.shutdownNow();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("proxy accept failed", e);
                }
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(60_000);
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String[] requestLine = text.substring(0, text.indexOf("\r\n")).split(" ");
            String method = requestLine[0];
            String target = requestLine.length > 1 ? requestLine[1] : "";
            Rule rule = null;
            for (Rule r : rules) {
                if (r.take(method, target)) {
                    rule = r;
                    break;
                }
            }
            Fault fault = rule == null ? null : rule.fault();
            requests.add(new Request(method, target, framing(text), fault == null ? null : fault.kind()));
            if (fault instanceof ErrorResponse error) {
                respond(client, in, method, target, error);
                count(rule);
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                upstream.setSoTimeout(60_000);
                OutputStream toServer = upstream.getOutputStream();
                toServer.write(withConnectionClose(text).getBytes(StandardCharsets.ISO_8859_1));
                toServer.flush();
                Rule applied = rule;
                threads.execute(() -> pumpRequest(in, toServer, client, upstream, applied));
                pumpResponse(upstream.getInputStream(), client.getOutputStream(), applied);
            }
        } catch (IOException e) {
            // the client or the server went away (or a fault closed the sockets): this connection is done
        }
    }

    /** Client to server: the request body, cut by a {@link ResetUpload}. */
    private void pumpRequest(InputStream in, OutputStream toServer, Socket client, Socket upstream, Rule rule) {
        long limit = rule != null && rule.fault() instanceof ResetUpload reset ? reset.bodyBytes() : Long.MAX_VALUE;
        byte[] buffer = new byte[16384];
        long sent = 0;
        try {
            for (int n; (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - sent))) > 0; ) {
                toServer.write(buffer, 0, n);
                toServer.flush();
                sent += n;
                if (sent == limit) {
                    count(rule);
                    reset(client);
                    reset(upstream);
                    return;
                }
            }
        } catch (IOException e) {
            // the other pump closed the sockets when the response was done
        }
    }

    /** Server to client: the response, delayed by a {@link SlowResponse} or cut by a {@link ShortBody}. */
    private void pumpResponse(InputStream fromServer, OutputStream out, Rule rule) throws IOException {
        Fault fault = rule == null ? null : rule.fault();
        if (fault instanceof SlowResponse slow) {
            count(rule);
            sleep(slow.millis());
        }
        if (fault instanceof ShortBody shortBody) {
            byte[] head;
            do {
                head = readHead(fromServer);
                if (head == null) {
                    return;
                }
                out.write(head);
            } while (new String(head, 0, Math.min(head.length, 12), StandardCharsets.ISO_8859_1).matches("HTTP/1\\.\\d 1\\d\\d"));
            long left = shortBody.bodyBytes();
            byte[] buffer = new byte[8192];
            for (int n; left > 0 && (n = fromServer.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; ) {
                out.write(buffer, 0, n);
                left -= n;
            }
            out.flush();
            count(rule);
            return; // the caller closes both connections: the body ends early
        }
        fromServer.transferTo(out);
        out.flush();
    }

    private static void respond(Socket client, InputStream in, String method, String target, ErrorResponse error)
            throws IOException {
        String requestId = "FAULT" + Long.toHexString(System.nanoTime()).toUpperCase(Locale.ROOT);
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + error.code() + "</Code><Message>"
                + error.message() + "</Message><Resource>" + path + "</Resource><RequestId>" + requestId
                + "</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + error.status() + " " + reason(error.status()) + "\r\n"
                + "Content-Type: application/xml\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "x-amz-request-id: " + requestId + "\r\n"
                + "Connection: close\r\n\r\n";
        OutputStream out = client.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (!method.equals("HEAD")) {
            out.write(body);
        }
        out.flush();
        client.shutdownOutput();
        // a client that sent its body without waiting for "100 Continue" gets to finish sending it, then closes
        client.setSoTimeout(2000);
        in.skip(Long.MAX_VALUE);
    }

    private static String reason(int status) {
        return switch (status) {
            case 500 -> "Internal Server Error";
            case 503 -> "Slow Down";
            default -> "Error";
        };
    }

    private void count(Rule rule) {
        rule.injected().incrementAndGet();
        injected.computeIfAbsent(rule.fault().kind(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** The head (up to and including the blank line), or null at end of stream before any byte. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1 : (b == '\r' ? 1 : 0);
            if (state == 4) {
                return head.toByteArray();
            }
            if (head.size() > 65536) {
                throw new IOException("head longer than 64 KiB");
            }
        }
        if (head.size() == 0) {
            return null;
        }
        throw new IOException("connection closed inside a head");
    }

    private static String withConnectionClose(String head) {
        StringBuilder sb = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (!line.isEmpty() && !line.regionMatches(true, 0, "connection:", 0, 11)) {
                sb.append(line).append("\r\n");
            }
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    private static Map<String, String> framing(String head) {
        Map<String, String> framing = new TreeMap<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                if (FRAMING_HEADERS.contains(name)) {
                    framing.put(name, line.substring(colon + 1).trim());
                }
            }
        }
        return framing;
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (SocketException e) {
            // already closed
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
