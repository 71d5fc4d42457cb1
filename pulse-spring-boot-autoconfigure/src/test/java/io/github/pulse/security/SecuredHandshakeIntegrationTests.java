package io.github.pulse.security;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring Security example of {@code docs/security.md}: the handshake is an ordinary HTTP request, so a
 * {@link SecurityFilterChain} secures it like any other; the connect handler gets the authenticated
 * {@link Principal}, an unauthenticated handshake gets 401 before pulse sees it, and a resume is bound to the
 * principal that owns the session.
 */
@SpringBootTest(classes = SecuredHandshakeIntegrationTests.SecuredChatApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.autoconfigure.exclude=")
class SecuredHandshakeIntegrationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private SessionManager manager;

	@Autowired
	private SecuredChatApplication application;

	/** The application under test, as an application would write it. */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class SecuredChatApplication {

		final List<String> principalsSeenByTheConnectHandler = new CopyOnWriteArrayList<>();

		final List<String> principalsSeenByListeners = new CopyOnWriteArrayList<>();

		@Bean
		SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
			return http.authorizeHttpRequests((requests) -> requests.requestMatchers("/pulse").authenticated()
				.anyRequest()
				.permitAll()).httpBasic(Customizer.withDefaults()).build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(User.withUsername("alice").password("{noop}alice-secret").build(),
					User.withUsername("bob").password("{noop}bob-secret").build());
		}

		/** Defence in depth: the endpoint refuses anonymous handshakes even if the filter chain changes. */
		@Bean
		PulseConnectHandler connectHandler() {
			return (request) -> {
				Principal principal = request.principal();
				if (principal == null) {
					return ConnectDecision.unauthorized();
				}
				this.principalsSeenByTheConnectHandler.add(principal.getName());
				return ConnectDecision.accept(List.of("secure"));
			};
		}

		@Bean
		PulseListener principalRecorder() {
			return new PulseListener() {
				@Override
				public void onConnect(PulseConnection connection) {
					SecuredChatApplication.this.principalsSeenByListeners.add(connection.principal().getName());
				}
			};
		}

	}

	private URI uri(String query) {
		return URI.create("ws://localhost:" + this.port + "/pulse" + query);
	}

	private static Map<String, String> basic(String user, String password) {
		return Map.of("Authorization", "Basic "
				+ Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void anAuthenticatedHandshakeGivesTheConnectHandlerAndTheConnectionThePrincipal() {
		try (TestClient alice = TestClient.connect(uri(""), basic("alice", "alice-secret"))) {
			String id = alice.nextOfType("welcome").path("connectionId").asText();
			assertThat(this.application.principalsSeenByTheConnectHandler).contains("alice");
			assertThat(this.application.principalsSeenByListeners).contains("alice");
			assertThat(this.manager.connection(id).principal().getName()).isEqualTo("alice");
		}
	}

	@Test
	void anUnauthenticatedHandshakeGets401BeforePulseSeesIt() {
		int before = this.application.principalsSeenByTheConnectHandler.size();
		assertThat(TestClient.handshakeStatus(uri(""), Map.of())).isEqualTo(401);
		assertThat(TestClient.handshakeStatus(uri(""), basic("alice", "wrong"))).isEqualTo(401);
		assertThat(this.application.principalsSeenByTheConnectHandler).hasSize(before);
	}

	@Test
	void aResumeByAnotherPrincipalFailsAndLeavesTheSessionToItsOwner() {
		TestClient alice = TestClient.connect(uri(""), basic("alice", "alice-secret"));
		JsonNode welcome = alice.nextOfType("welcome");
		String id = welcome.path("connectionId").asText();
		String token = welcome.path("resumeToken").asText();
		alice.abort();
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.suspendedCount() == 1);
		this.manager.send(id, "for-alice", "only");
		try (TestClient bob = TestClient.connect(uri("?resume=" + token + "&lastSeq=0"), basic("bob", "bob-secret"))) {
			JsonNode first = bob.next();
			assertThat(first.path("type").asText()).isEqualTo("welcome");
			assertThat(first.path("resumeFailed").asText()).isEqualTo("unknown");
			assertThat(first.path("connectionId").asText()).isNotEqualTo(id);
		}
		try (TestClient again = TestClient.connect(uri("?resume=" + token + "&lastSeq=0"),
				basic("alice", "alice-secret"))) {
			JsonNode first = again.next();
			assertThat(first.path("type").asText()).isEqualTo("resumed");
			assertThat(first.path("connectionId").asText()).isEqualTo(id);
			assertThat(again.nextOfType("message").path("payload").asText()).isEqualTo("only");
		}
	}

}
