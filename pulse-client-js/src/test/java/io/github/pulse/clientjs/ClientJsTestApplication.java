package io.github.pulse.clientjs;

import java.io.IOException;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseServer;
import io.github.pulse.test.FaultInjectingProxy;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server the browser client's Node tests talk to: {@code echo} goes back to the sender, {@code chat} to the
 * sender's rooms; {@code POST /test/cut} cuts every connection through the fault-injecting proxy in front of it.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ClientJsTestApplication.TestControl.class)
public class ClientJsTestApplication {

	@Bean
	PulseListener chatListener(PulseServer server) {
		return new PulseListener() {

			@Override
			public void onMessage(PulseConnection connection, PulseMessage message) {
				switch (message.event()) {
					case "echo" -> connection.send("echo", message.payload());
					case "chat" -> connection.rooms().forEach((room) -> server.broadcast(room, "chat", message.payload()));
					default -> {
					}
				}
			}

		};
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

		TestControl(Proxy proxy) {
			this.proxy = proxy;
		}

		@PostMapping("/test/cut")
		int cut() {
			return this.proxy.cutAll();
		}

	}

}
