package io.github.pulse.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Opens N idle WebSocket connections to a loopback server, waits for each welcome, prints "READY n" and holds them
 * until stdin closes or the hold time passes (bounded: it always stops by itself).
 */
public final class IdleClients {

	private IdleClients() {
	}

	public static void main(String[] args) throws Exception {
		URI uri = URI.create(args[0]);
		int count = Integer.parseInt(args[1]);
		long holdSeconds = (args.length > 2) ? Long.parseLong(args[2]) : 120;
		HttpClient http = HttpClient.newHttpClient();
		CountDownLatch welcomed = new CountDownLatch(count);
		List<WebSocket> sockets = new ArrayList<>(count);
		WebSocket.Listener listener = new WebSocket.Listener() {
			@Override
			public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
				welcomed.countDown();
				webSocket.request(1);
				return null;
			}

			@Override
			public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
				webSocket.request(1);
				return null;
			}
		};
		for (int i = 0; i < count; i += 200) {
			List<CompletableFuture<WebSocket>> batch = new ArrayList<>();
			for (int j = i; j < Math.min(count, i + 200); j++) {
				batch.add(http.newWebSocketBuilder().buildAsync(uri, listener));
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

}
