package io.github.pulse.clientjs;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseReplyException;
import io.github.pulse.PulseServer;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.web.DefaultPulseConnectHandler;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server the browser client's Node tests talk to: {@code echo} goes back to the sender, {@code chat} to the
 * sender's rooms; requests {@code request.echo} (replies with the payload), {@code request.refuse} (error
 * {@code refused}) and {@code request.hold} (replies once {@code POST /test/release} opens the gate that
 * {@code POST /test/hold} closed; {@code GET /test/holding} counts the handlers that started waiting).
 * {@code count} records its number per connection ({@code GET /test/counted?id=}).
 * {@code POST /test/cut} cuts every connection through the fault-injecting proxy in front of the server.
 * {@code fail} makes the listener throw, which ends the session with 1011 (the client then starts a new one). The
 * {@code user} query parameter names the connection's user.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ClientJsTestApplication.TestControl.class)
public class ClientJsTestApplication {

	@Bean
	PulseListener chatListener(PulseServer server, Gate gate) {
		return new PulseListener() {

			@Override
			public void onMessage(PulseConnection connection, PulseMessage message) {
				switch (message.event()) {
					case "echo" -> connection.send("echo", message.payload());
					case "chat" -> connection.rooms().forEach((room) -> server.broadcast(room, "chat", message.payload()));
					case "request.echo" -> message.reply(message.payload());
					case "fail" -> throw new IllegalStateException("failing as asked");
					case "request.refuse" -> throw new PulseReplyException("refused",
							"refused " + message.payload(String.class));
					case "count" -> gate.counted.computeIfAbsent(connection.id(), (id) -> new CopyOnWriteArrayList<>())
						.add(message.payload(Integer.class));
					case "request.hold" -> {
						gate.pass();
						message.reply(message.payload());
					}
					default -> {
					}
				}
			}

		};
	}

	@Bean
	PulseConnectHandler userConnectHandler() {
		DefaultPulseConnectHandler defaults = new DefaultPulseConnectHandler("default");
		return (request) -> {
			ConnectDecision decision = defaults.decide(request);
			String user = request.queryParam("user");
			return (user != null && decision.rejection() == null) ? decision.withUser(user) : decision;
		};
	}

	/** Holds {@code request.hold} handlers until the test releases them. */
	static final class Gate {

		private volatile CountDownLatch latch = new CountDownLatch(0);

		private final AtomicInteger holding = new AtomicInteger();

		/** Payloads of {@code count} messages by connection id, in the order the listener saw them. */
		final Map<String, List<Integer>> counted = new ConcurrentHashMap<>();

		void close() {
			this.latch = new CountDownLatch(1);
		}

		void open() {
			this.latch.countDown();
		}

		void pass() {
			this.holding.incrementAndGet();
			try {
				// bounded, so that a test that never releases cannot pin a server thread
				this.latch.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	@Bean
	Gate gate() {
		return new Gate();
	}

	/** The proxy the Node tests connect through, started by the test once the server's port is known. */
	static final class Proxy {

		private volatile @Nullable FaultInjectingProxy proxy;

		FaultInjectingProxy start(int targetPort) throws IOException {
			FaultInjectingProxy started = new FaultInjectingProxy(targetPort);
			this.proxy = started;
			return started;
		}

		int cutAll() {
			FaultInjectingProxy current = this.proxy;
			return (current != null) ? current.cutAll() : 0;
		}

	}

	@Bean
	Proxy proxy() {
		return new Proxy();
	}

	/** Lets the Node tests cut connections and read what the server saw. */
	@RestController
	static class TestControl {

		private final Proxy proxy;

		private final Gate gate;

		TestControl(Proxy proxy, Gate gate) {
			this.proxy = proxy;
			this.gate = gate;
		}

		@PostMapping("/test/cut")
		int cut() {
			return this.proxy.cutAll();
		}

		@PostMapping("/test/hold")
		void hold() {
			this.gate.close();
		}

		@PostMapping("/test/release")
		void release() {
			this.gate.open();
		}

		@GetMapping("/test/counted")
		List<Integer> counted(@RequestParam String id) {
			return this.gate.counted.getOrDefault(id, List.of());
		}

		@GetMapping("/test/holding")
		int holding() {
			return this.gate.holding.get();
		}

	}

}
