package io.github.pulse.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseServer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import io.github.pulse.PulseCloseStatus;

/**
 * Application for integration tests: {@code chat} is broadcast to the sender's rooms, {@code echo} goes back to
 * the sender, {@code fail} makes the listener throw, {@code close} closes with the code in the payload. Requests:
 * {@code request.echo} replies with its payload, {@code request.refuse} answers with error {@code refused},
 * {@code request.hold} replies with its payload once {@link RecordingListener#hold} opens. {@code count} records its
 * integer payload per connection in {@link RecordingListener#counted}. A connection in
 * {@link RecordingListener#kickOnRestore} is kicked as its transport is restored.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ChatTestApplication {

	@Bean
	RecordingListener recordingListener(PulseServer server) {
		return new RecordingListener(server);
	}

	/** Chat behaviour plus a record of every callback, for assertions. */
	public static class RecordingListener implements PulseListener {

		private final PulseServer server;

		/** Every callback, as "event:connectionId[:detail]". */
		public final List<String> events = new CopyOnWriteArrayList<>();

		/** Disconnects with their reason and status. */
		public final List<Disconnect> disconnects = new CopyOnWriteArrayList<>();

		/** Payloads of {@code count} messages, by connection id, in the order the listener saw them. */
		public final java.util.Map<String, List<Integer>> counted = new java.util.concurrent.ConcurrentHashMap<>();

		/** {@code request.hold} waits for this latch before it replies. */
		public volatile java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(0);

		/** Counted down each time a {@code request.hold} handler starts waiting. */
		public final java.util.concurrent.Semaphore holding = new java.util.concurrent.Semaphore(0);

		/**
		 * Connections kicked from their {@code onTransportRestore}: a kick after a resume's transition and before
		 * its first write, every time.
		 */
		public final java.util.Set<String> kickOnRestore = java.util.concurrent.ConcurrentHashMap.newKeySet();

		RecordingListener(PulseServer server) {
			this.server = server;
		}

		@Override
		public void onConnect(PulseConnection connection) {
			this.events.add("connect:" + connection.id());
		}

		@Override
		public void onMessage(PulseConnection connection, PulseMessage message) {
			switch (message.event()) {
				case "chat" -> connection.rooms()
					.forEach((room) -> this.server.broadcast(room, "chat", message.payload()));
				case "echo" -> connection.send("echo", message.payload());
				case "fail" -> throw new IllegalStateException("listener failure on purpose");
				case "close" -> connection.close(message.payload(Integer.class), "bye");
				case "join" -> connection.join(message.payload(String.class));
				case "request.echo" -> message.reply(message.payload());
				case "request.refuse" -> throw new io.github.pulse.PulseReplyException("refused",
						"refused " + message.payload(String.class));
				case "request.hold" -> {
					this.holding.release();
					try {
						this.hold.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					message.reply(message.payload());
				}
				case "count" -> this.counted.computeIfAbsent(connection.id(), (id) -> new CopyOnWriteArrayList<>())
					.add(message.payload(Integer.class));
				default -> {
				}
			}
		}

		@Override
		public void onDisconnect(PulseConnection connection, DisconnectReason reason,
				@Nullable PulseCloseStatus closeStatus) {
			this.events.add("disconnect:" + connection.id() + ":" + reason);
			this.disconnects.add(new Disconnect(connection.id(), reason, closeStatus));
		}

		@Override
		public void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
			this.events.add("drop:" + connection.id() + ":" + cause);
		}

		@Override
		public void onTransportRestore(PulseConnection connection) {
			this.events.add("restore:" + connection.id());
			if (this.kickOnRestore.contains(connection.id())) {
				this.server.kick(connection.id());
			}
		}

		/**
		 * Disconnects of one connection.
		 * @param id the connection id
		 * @return the disconnects
		 */
		public List<Disconnect> disconnectsOf(String id) {
			return this.disconnects.stream().filter((d) -> d.id().equals(id)).toList();
		}

	}

	/** A recorded disconnect. */
	public record Disconnect(String id, DisconnectReason reason, @Nullable PulseCloseStatus status) {
	}

}
