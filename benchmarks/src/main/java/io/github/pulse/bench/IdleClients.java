package io.github.pulse.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.pulse.bench.load.WireProtocol;
import org.jspecify.annotations.Nullable;

/**
 * Opens N idle WebSocket connections to a loopback server, waits for each welcome, prints "READY n" and holds them
 * until stdin closes or the hold time passes (bounded: it always stops by itself).
 * <p>
 * Arguments: the WebSocket URI, the count, the hold time in seconds (120) and the protocol (pulse; or raw, stomp,
 * socketio, see {@link WireProtocol}). Without a protocol any text frame counts as the welcome; with one the
 * connection goes through the protocol's handshake (STOMP CONNECT and SUBSCRIBE, Socket.IO namespace connect) and
 * answers its keepalives, so an idle connection of each server holds what a real idle client holds.
 */
public final class IdleClients {

	private IdleClients() {
	}

	/**
	 * Opens the connections and holds them.
	 * @param args URI, count, optional hold seconds, optional protocol
	 * @throws Exception if the connections cannot be opened or are not welcomed in time
	 */
	public static void main(String[] args) throws Exception {
		URI uri = URI.create(args[0]);
		int count = Integer.parseInt(args[1]);
		long holdSeconds = (args.length > 2) ? Long.parseLong(args[2]) : 120;
		@Nullable WireProtocol protocol = (args.length > 3) ? WireProtocol.named(args[3], "bench") : null;
		HttpClient http = HttpClient.newHttpClient();
		CountDownLatch welcomed = new CountDownLatch(count);
		List<WebSocket> sockets = new ArrayList<>(count);
		for (int i = 0; i < count; i += 200) {
			List<CompletableFuture<WebSocket>> batch = new ArrayList<>();
			for (int j = i; j < Math.min(count, i + 200); j++) {
				batch.add(http.newWebSocketBuilder().buildAsync(uri, new IdleListener(protocol, uri.getHost(), welcomed)));
			}
			for (CompletableFuture<WebSocket> future : batch) {
				sockets.add(future.get(30, TimeUnit.SECONDS));
			}
		}
		if (!welcomed.await(60, TimeUnit.SECONDS)) {
			throw new IllegalStateException("not all connections were welcomed");
		}
		System.out.println("READY " + sockets.size());
		System.out.flush();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(holdSeconds);
		while (System.nanoTime() < deadline && System.in.available() >= 0) {
			if (System.in.available() > 0 && System.in.read() < 0) {
				break;
			}
			Thread.sleep(200);
		}
		sockets.forEach(WebSocket::abort);
	}

	/**
	 * One connection's listener: assembles text messages and hands them to the protocol, which may reply.
	 */
	private static final class IdleListener implements WebSocket.Listener, WireProtocol.Inbound {

		private final @Nullable WireProtocol protocol;

		private final String host;

		private final CountDownLatch welcomed;

		private final StringBuilder text = new StringBuilder();

		private CompletableFuture<WebSocket> sending = new CompletableFuture<>();

		private boolean counted;

		IdleListener(@Nullable WireProtocol protocol, String host, CountDownLatch welcomed) {
			this.protocol = protocol;
			this.host = host;
			this.welcomed = welcomed;
		}

		@Override
		public void onOpen(WebSocket webSocket) {
			this.sending.complete(webSocket);
			WireProtocol protocol = this.protocol;
			if (protocol != null) {
				protocol.afterUpgrade(this.host).forEach(this::reply);
			}
			webSocket.request(1);
		}

		@Override
		public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.text.append(data);
			if (last) {
				byte[] message = this.text.toString().getBytes(StandardCharsets.UTF_8);
				this.text.setLength(0);
				WireProtocol protocol = this.protocol;
				if (protocol != null) {
					protocol.onText(message, 0, message.length, this);
				}
				else {
					welcomed();
				}
			}
			webSocket.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
			webSocket.request(1);
			return null;
		}

		@Override
		public void welcomed() {
			if (!this.counted) {
				this.counted = true;
				this.welcomed.countDown();
			}
		}

		@Override
		public void delivered(byte[] bytes, int offset, int length) {
			// idle connections receive nothing to measure
		}

		@Override
		public synchronized void reply(byte[] text) {
			// the JDK client allows one outstanding send at a time: chain them
			String message = new String(text, StandardCharsets.UTF_8);
			this.sending = this.sending.thenCompose((socket) -> socket.sendText(message, true));
		}

		@Override
		public void error(String kind) {
			System.err.println("idle connection error: " + kind);
		}

	}

}
