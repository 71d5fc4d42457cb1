package io.github.pulse.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on a random loopback port that, while silent, completes every WebSocket opening handshake (101 with
 * a valid {@code Sec-WebSocket-Accept}) and then never sends a single frame, reading and discarding whatever the
 * client sends; this is a server stuck before its first frame. Switched to forwarding, it passes new connections
 * through to a real server instead.
 */
final class SilentUpgradeServer implements AutoCloseable {

	private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

	private final ServerSocket server;

	private final List<String> upgrades = new CopyOnWriteArrayList<>();

	private final AtomicInteger silentClosed = new AtomicInteger();

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private volatile int forwardPort;

	private volatile boolean closed;

	SilentUpgradeServer() throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		start(this::acceptLoop, "silent-accept");
	}

	int port() {
		return this.server.getLocalPort();
	}

	String url(String query) {
		return "ws://127.0.0.1:" + port() + "/pulse" + query;
	}

	/**
	 * From now on, new connections are passed through to a server on loopback.
	 * @param port the port to forward to
	 */
	void forwardTo(int port) {
		this.forwardPort = port;
	}

	/** From now on, new connections are answered silently. */
	void silent() {
		this.forwardPort = 0;
	}

	/**
	 * Request lines of the upgrades answered silently, oldest first.
	 * @return a snapshot
	 */
	List<String> silentUpgrades() {
		return List.copyOf(this.upgrades);
	}

	/**
	 * Silently answered connections that the client has closed since.
	 * @return the count
	 */
	int silentConnectionsClosedByClient() {
		return this.silentClosed.get();
	}

	private void acceptLoop() {
		while (!this.closed) {
			try {
				Socket socket = this.server.accept();
				this.sockets.add(socket);
				int target = this.forwardPort;
				if (target > 0) {
					forward(socket, target);
				}
				else {
					start(() -> answerSilently(socket), "silent-" + socket.getPort());
				}
			}
			catch (IOException ex) {
				// closed, or one forward failed to connect
			}
		}
	}

	private void answerSilently(Socket socket) {
		try (socket) {
			InputStream in = socket.getInputStream();
			String head = readHead(in);
			String key = header(head, "sec-websocket-key");
			OutputStream out = socket.getOutputStream();
			out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n")
				.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			this.upgrades.add(head.substring(0, head.indexOf("\r\n")));
			byte[] discard = new byte[4096];
			while (in.read(discard) >= 0) {
				// never answer
			}
			this.silentClosed.incrementAndGet();
		}
		catch (IOException ex) {
			// a reset by the client ends the connection just as well
			this.silentClosed.incrementAndGet();
		}
	}

	private void forward(Socket client, int port) throws IOException {
		Socket upstream = new Socket();
		this.sockets.add(upstream);
		upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
		start(() -> pipe(client, upstream), "forward-up-" + client.getPort());
		start(() -> pipe(upstream, client), "forward-down-" + client.getPort());
	}

	private static void pipe(Socket from, Socket to) {
		try {
			from.getInputStream().transferTo(to.getOutputStream());
		}
		catch (IOException ex) {
			// one side ended
		}
		finally {
			closeQuietly(from);
			closeQuietly(to);
		}
	}

	private static String readHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		int matched = 0;
		byte[] end = { '\r', '\n', '\r', '\n' };
		while (matched < end.length) {
			int next = in.read();
			if (next < 0) {
				throw new IOException("connection ended inside the upgrade request");
			}
			head.write(next);
			matched = (next == end[matched]) ? matched + 1 : ((next == '\r') ? 1 : 0);
		}
		return head.toString(StandardCharsets.ISO_8859_1);
	}

	private static String header(String head, String name) throws IOException {
		for (String line : head.split("\r\n")) {
			int colon = line.indexOf(':');
			if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
				return line.substring(colon + 1).trim();
			}
		}
		throw new IOException("no " + name + " header in the upgrade request");
	}

	private static String accept(String key) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-1")
				.digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1));
			return Base64.getEncoder().encodeToString(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void start(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// already closed
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.server.close();
		this.sockets.forEach(SilentUpgradeServer::closeQuietly);
	}

}
