package io.github.pulse.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseServer;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.FaultInjectingProxy;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real pulse server ({@link ChatTestApplication} on embedded Tomcat) with a {@link FaultInjectingProxy} in front
 * of it. Clients connect to the proxy.
 */
final class PulseTestServer implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final int port;

	private final FaultInjectingProxy proxy;

	private PulseTestServer(ConfigurableApplicationContext context) {
		this.context = context;
		this.port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		try {
			this.proxy = new FaultInjectingProxy(this.port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts a server on a random port.
	 * @param properties extra properties, {@code name=value}
	 * @return the server
	 */
	static PulseTestServer start(String... properties) {
		return startOn(0, properties);
	}

	/**
	 * Starts a server on a given port, for restarts.
	 * @param port the port, 0 for a random one
	 * @param properties extra properties, {@code name=value}
	 * @return the server
	 */
	static PulseTestServer startOn(int port, String... properties) {
		return startWith(port, new Class<?>[0], properties);
	}

	/**
	 * Starts a server on a random port with more configuration.
	 * @param sources configuration classes besides {@link ChatTestApplication}
	 * @param properties extra properties, {@code name=value}
	 * @return the server
	 */
	static PulseTestServer startWith(Class<?>[] sources, String... properties) {
		return startWith(0, sources, properties);
	}

	private static PulseTestServer startWith(int port, Class<?>[] sources, String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("server.port=" + port);
		all.add("spring.main.banner-mode=off");
		List<Class<?>> classes = new ArrayList<>(List.of(sources));
		classes.add(0, ChatTestApplication.class);
		return new PulseTestServer(new SpringApplicationBuilder(classes.toArray(new Class<?>[0]))
			.properties(all.toArray(new String[0]))
			.run());
	}

	/**
	 * Port of the server itself.
	 * @return the port
	 */
	int port() {
		return this.port;
	}

	/**
	 * The proxy in front of the server.
	 * @return the proxy
	 */
	FaultInjectingProxy proxy() {
		return this.proxy;
	}

	/**
	 * The server's pulse API.
	 * @return the server
	 */
	PulseServer pulse() {
		return this.context.getBean(PulseServer.class);
	}

	/**
	 * The test application's recording listener.
	 * @return the listener
	 */
	ChatTestApplication.RecordingListener recorder() {
		return this.context.getBean(ChatTestApplication.RecordingListener.class);
	}

	/**
	 * Waits until the server has registered a session and joined it to its rooms. The server sends the welcome
	 * before it does either, so a client may know its connection id a moment before the server can find it.
	 * @param client the client, open
	 * @param rooms the rooms the session should be in
	 */
	void awaitRegistered(PulseClient client, String... rooms) {
		String id = client.opened().join().connectionId();
		await().untilAsserted(() -> {
			PulseConnection connection = pulse().connection(id);
			assertThat(connection).as("session %s on the server", id).isNotNull();
			if (rooms.length > 0) {
				assertThat(connection.rooms()).contains(rooms);
			}
		});
	}

	/**
	 * Endpoint URL through the proxy, with an {@code http} scheme to exercise the conversion.
	 * @param query the query, such as {@code ?room=lobby}, or empty
	 * @return the URL
	 */
	String url(String query) {
		return "http://127.0.0.1:" + this.proxy.port() + "/pulse" + query;
	}

	/**
	 * Stops the server gracefully (sessions get 1001) but leaves the proxy listening.
	 */
	void stopServer() {
		this.context.close();
	}

	@Override
	public void close() throws IOException {
		this.proxy.close();
		if (this.context.isActive()) {
			this.context.close();
		}
	}

}
