package io.github.pulse.bench.compression;

import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.jspecify.annotations.Nullable;

/**
 * Clients on plain sockets that offer permessage-deflate (the JDK client cannot), for benchmarks/compression.sh.
 * <p>
 * {@code deliveries <port> <serverPid> <subscribers> <messages> <chat|json4k>}: subscribers join room {@code bench},
 * one publisher sends the messages there at a bounded pace, and the run prints the bytes each delivery took on the
 * subscribers' sockets, the uncompressed size, and the server's CPU time per delivery (from /proc, user + system).
 * <p>
 * {@code idle <port> <connections> <holdSeconds>}: opens the connections, prints {@code held} and keeps them until
 * stdin closes or the hold time ends.
 * <p>
 * Both offer {@code permessage-deflate}; whether the server accepts it is its setting, and is printed.
 */
public final class CompressionBench {

	private static final String OFFER = "permessage-deflate; client_max_window_bits";

	private CompressionBench() {
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[1]);
		if (args[0].equals("idle")) {
			idle(port, Integer.parseInt(args[2]), Long.parseLong(args[3]));
		}
		else {
			deliveries(port, Long.parseLong(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5]);
		}
	}

	private static void idle(int port, int count, long holdSeconds) throws Exception {
		List<Client> clients = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			Client client = Client.open(port, "/pulse?room=bench");
			client.next();
			clients.add(client);
		}
		System.out.println("held " + count + " compression=" + clients.get(0).compressed);
		Thread stdin = new Thread(() -> {
			try {
				while (System.in.read() >= 0) {
					// wait for the script to close stdin
				}
			}
			catch (IOException ex) {
				// closed
			}
		});
		stdin.setDaemon(true);
		stdin.start();
		stdin.join(TimeUnit.SECONDS.toMillis(holdSeconds));
		clients.forEach(Client::close);
	}

	private static void deliveries(int port, long serverPid, int subscribers, int messages, String payloadName)
			throws Exception {
		// a different payload every message, made before the clock starts: identical messages would compress to a
		// few bytes thanks to the context takeover, which no real traffic does
		List<String> frames = new ArrayList<>(messages);
		for (int i = 0; i < messages; i++) {
			String payload = payloadName.equals("json4k") ? json4k() : chat(i);
			frames.add("{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + payload + "}");
		}
		CountDownLatch done = new CountDownLatch(subscribers);
		AtomicLong wireBytes = new AtomicLong();
		AtomicLong textBytes = new AtomicLong();
		List<Client> clients = new ArrayList<>();
		for (int i = 0; i < subscribers; i++) {
			Client client = Client.open(port, "/pulse?room=bench");
			client.next();
			clients.add(client);
		}
		Client publisher = Client.open(port, "/pulse?room=bench");
		publisher.next();
		boolean compressed = clients.get(0).compressed;
		for (Client client : clients) {
			Thread reader = new Thread(() -> {
				long before = client.counted.get();
				int received = 0;
				long text = 0;
				try {
					while (received < messages) {
						String message = client.next();
						if (message.contains("\"event\":\"chat\"")) {
							received++;
							text += message.getBytes(StandardCharsets.UTF_8).length;
						}
					}
				}
				catch (IOException ex) {
					System.err.println("subscriber failed after " + received + ": " + ex);
				}
				wireBytes.addAndGet(client.counted.get() - before);
				textBytes.addAndGet(text);
				done.countDown();
			});
			reader.setDaemon(true);
			reader.start();
		}
		Thread drain = new Thread(() -> {
			try {
				while (true) {
					publisher.next();
				}
			}
			catch (IOException ex) {
				// closed at the end
			}
		});
		drain.setDaemon(true);
		drain.start();
		long cpuBefore = cpuTicks(serverPid);
		long started = System.nanoTime();
		for (int i = 0; i < messages; i++) {
			publisher.sendText(frames.get(i));
			// bounded pace, so that no send buffer overflows and every delivery is counted
			if (i % 10 == 9) {
				Thread.sleep(5);
			}
		}
		boolean complete = done.await(120, TimeUnit.SECONDS);
		long elapsed = System.nanoTime() - started;
		long cpuAfter = cpuTicks(serverPid);
		long deliveries = (long) subscribers * messages;
		double ticksPerSecond = 100;
		System.out.printf(Locale.ROOT,
				"payload=%s compression=%s subscribers=%d messages=%d complete=%s seconds=%.1f "
						+ "wire_bytes_per_delivery=%.1f text_bytes_per_delivery=%.1f server_cpu_us_per_delivery=%.2f%n",
				payloadName, compressed, subscribers, messages, complete, elapsed / 1e9,
				(double) wireBytes.get() / deliveries, (double) textBytes.get() / deliveries,
				(cpuAfter - cpuBefore) / ticksPerSecond * 1e6 / deliveries);
		clients.forEach(Client::close);
		publisher.close();
	}

	/** User plus system time of a process, in clock ticks (USER_HZ, 100 on Linux). */
	private static long cpuTicks(long pid) throws IOException {
		String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

	private static final String[] USERS = { "alice", "bob", "carol", "dave", "erin", "frank" };

	private static final String[] WORDS = ("the build is green again so I merged the fix for the login page and "
			+ "started on the next ticket who reviews the metrics change before lunch tomorrow maybe").split(" ");

	/** A chat message of 8 to 20 words from a small vocabulary, as people write them. */
	static String chat(int index) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		StringBuilder text = new StringBuilder();
		for (int i = 0, words = random.nextInt(8, 21); i < words; i++) {
			text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
		}
		return "{\"id\":" + (1_000_000 + index) + ",\"user\":\"" + USERS[random.nextInt(USERS.length)]
				+ "\",\"text\":\"" + text + "\",\"sentAt\":" + (1_765_070_000_000L + index * 731L) + "}";
	}

	/** About 4 KiB of JSON like an application's list response: repeated keys, varied values. */
	static String json4k() {
		StringBuilder json = new StringBuilder("{\"items\":[");
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int i = 0; json.length() < 4000; i++) {
			json.append(i == 0 ? "" : ",")
				.append("{\"id\":")
				.append(100000 + i)
				.append(",\"name\":\"item-")
				.append(Long.toString(random.nextLong(1L << 40), 36))
				.append("\",\"price\":")
				.append(random.nextInt(100000) / 100.0)
				.append(",\"inStock\":")
				.append(random.nextBoolean())
				.append(",\"tags\":[\"new\",\"sale\"]}");
		}
		return json.append("]}").toString();
	}

	/** One WebSocket on a socket, reading on the calling thread, inflating when compression was negotiated. */
	static final class Client {

		final Socket socket;

		final DataInputStream in;

		final OutputStream out;

		final AtomicLong counted;

		final boolean compressed;

		final @Nullable Inflater inflater;

		private Client(Socket socket, DataInputStream in, AtomicLong counted, boolean compressed) throws IOException {
			this.socket = socket;
			this.in = in;
			this.out = socket.getOutputStream();
			this.counted = counted;
			this.compressed = compressed;
			this.inflater = compressed ? new Inflater(true) : null;
		}

		static Client open(int port, String path) throws IOException {
			Socket socket = new Socket();
			socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
			socket.setSoTimeout(60_000);
			byte[] nonce = new byte[16];
			ThreadLocalRandom.current().nextBytes(nonce);
			String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
					+ "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
					+ "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: pulse.v1\r\nSec-WebSocket-Extensions: "
					+ OFFER + "\r\n\r\n";
			socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
			AtomicLong counted = new AtomicLong();
			DataInputStream in = new DataInputStream(new Counting(socket.getInputStream(), counted));
			boolean compressed = false;
			StringBuilder line = new StringBuilder();
			String status = null;
			while (true) {
				int b = in.read();
				if (b < 0) {
					throw new IOException("closed during the handshake");
				}
				if (b != '\n') {
					line.append((char) b);
					continue;
				}
				String header = line.toString().trim();
				line.setLength(0);
				if (status == null) {
					status = header;
					if (!status.startsWith("HTTP/1.1 101")) {
						throw new IOException("handshake refused: " + status);
					}
				}
				else if (header.isEmpty()) {
					break;
				}
				else if (header.toLowerCase(Locale.ROOT).startsWith("sec-websocket-extensions:")
						&& header.contains("permessage-deflate")) {
					compressed = true;
				}
			}
			return new Client(socket, in, counted, compressed);
		}

		/** Next complete text message (single frames only, as pulse sends them), skipping control frames. */
		String next() throws IOException {
			while (true) {
				int first = this.in.readUnsignedByte();
				int second = this.in.readUnsignedByte();
				long length = second & 0x7f;
				if (length == 126) {
					length = this.in.readUnsignedShort();
				}
				else if (length == 127) {
					length = this.in.readLong();
				}
				byte[] payload = new byte[(int) length];
				this.in.readFully(payload);
				int opcode = first & 0x0f;
				if (opcode == 0x8) {
					throw new IOException("closed by the server");
				}
				if (opcode != 0x1) {
					continue;
				}
				if ((first & 0x40) != 0 && this.inflater != null) {
					payload = inflate(this.inflater, payload);
				}
				return new String(payload, StandardCharsets.UTF_8);
			}
		}

		void sendText(String text) throws IOException {
			byte[] payload = text.getBytes(StandardCharsets.UTF_8);
			byte[] frame = new byte[payload.length + 14];
			int at = 0;
			frame[at++] = (byte) 0x81;
			if (payload.length < 126) {
				frame[at++] = (byte) (0x80 | payload.length);
			}
			else {
				frame[at++] = (byte) (0x80 | 126);
				frame[at++] = (byte) (payload.length >>> 8);
				frame[at++] = (byte) payload.length;
			}
			// a zero mask: valid, and keeps the client's CPU out of the measurement
			at += 4;
			System.arraycopy(payload, 0, frame, at, payload.length);
			this.out.write(frame, 0, at + payload.length);
			this.out.flush();
		}

		void close() {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
		}

		private static byte[] inflate(Inflater inflater, byte[] payload) throws IOException {
			byte[] input = java.util.Arrays.copyOf(payload, payload.length + 4);
			input[payload.length + 2] = (byte) 0xff;
			input[payload.length + 3] = (byte) 0xff;
			inflater.setInput(input);
			java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(payload.length * 4);
			byte[] chunk = new byte[8192];
			try {
				int n;
				while ((n = inflater.inflate(chunk)) > 0) {
					out.write(chunk, 0, n);
				}
			}
			catch (DataFormatException ex) {
				throw new IOException(ex);
			}
			return out.toByteArray();
		}

	}

	/** Counts the bytes read from the socket: the bytes on the wire, frame headers included. */
	private static final class Counting extends FilterInputStream {

		private final AtomicLong counted;

		Counting(InputStream in, AtomicLong counted) {
			super(in);
			this.counted = counted;
		}

		@Override
		public int read() throws IOException {
			int b = super.read();
			if (b >= 0) {
				this.counted.incrementAndGet();
			}
			return b;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int n = super.read(buffer, offset, length);
			if (n > 0) {
				this.counted.addAndGet(n);
			}
			return n;
		}

	}

}
