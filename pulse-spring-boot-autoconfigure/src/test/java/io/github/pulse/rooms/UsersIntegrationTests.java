package io.github.pulse.rooms;

import java.net.URI;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseServer;
import io.github.pulse.test.PrincipalFromHeader;
import io.github.pulse.test.TestClient;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Users on the wire: the user in {@code welcome}, by default the handshake principal's name, several connections
 * of one user reached by {@code sendToUser}, and the connection-id replace rule unchanged by users. Client-side joins
 * are refused here, as with no {@code pulse.rooms.client-join} pattern.
 */
@SpringBootTest(classes = UsersIntegrationTests.UsersApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class UsersIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	PulseServer server;

	TestClient connect(String query, Map<String, String> headers) {
		return TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?" + query), headers);
	}

	@Test
	void theWelcomeCarriesThePrincipalsNameAsTheUserByDefault() {
		try (TestClient client = connect("room=a", Map.of("X-User", "alice"))) {
			JsonNode welcome = client.nextOfType("welcome");
			assertThat(welcome.path("user").asText()).isEqualTo("alice");
		}
	}

	@Test
	void theConnectHandlerNamesTheUserOrNone() {
		try (TestClient named = connect("room=a&user=bob", Map.of("X-User", "alice"));
				TestClient none = connect("room=a&nouser=1", Map.of("X-User", "alice"));
				TestClient anonymous = connect("room=a", Map.of())) {
			assertThat(named.nextOfType("welcome").path("user").asText()).isEqualTo("bob");
			assertThat(none.nextOfType("welcome").has("user")).isFalse();
			assertThat(anonymous.nextOfType("welcome").has("user")).isFalse();
		}
	}

	@Test
	void sendToUserReachesEveryTabOfTheUserAndNobodyElse() {
		try (TestClient tab1 = connect("room=a&user=carol", Map.of());
				TestClient tab2 = connect("room=b&user=carol", Map.of());
				TestClient other = connect("room=a&user=dave", Map.of())) {
			tab1.nextOfType("welcome");
			tab2.nextOfType("welcome");
			other.nextOfType("welcome");
			assertThat(this.server.connectionsOf("carol")).extracting(PulseConnection::user)
				.containsExactly("carol", "carol");
			assertThat(this.server.sendToUser("carol", "dm", Map.of("text", "hi"))).isEqualTo(2);
			for (TestClient tab : List.of(tab1, tab2)) {
				JsonNode message = tab.nextOfType("message");
				assertThat(message.path("event").asText()).isEqualTo("dm");
				assertThat(message.path("payload").path("text").asText()).isEqualTo("hi");
				assertThat(message.has("room")).isFalse();
			}
			this.server.sendToUser("dave", "dm", Map.of("text", "yours"));
			assertThat(other.nextOfType("message").path("payload").path("text").asText()).isEqualTo("yours");
			assertThat(other.history()).filteredOn((f) -> "message".equals(f.path("type").asText())).hasSize(1);
		}
	}

	@Test
	void aRepeatedConnectionIdStillReplacesTheOlderConnectionWhateverTheUser() {
		try (TestClient first = connect("room=a&user=erin&id=erin-phone", Map.of());
				TestClient desk = connect("room=a&user=erin&id=erin-desk", Map.of())) {
			first.nextOfType("welcome");
			desk.nextOfType("welcome");
			try (TestClient second = connect("room=a&user=erin&id=erin-phone", Map.of())) {
				second.nextOfType("welcome");
				assertThat(first.awaitClose().code()).isEqualTo(4001);
				await().until(() -> this.server.connectionsOf("erin").size() == 2);
				assertThat(this.server.sendToUser("erin", "dm", 1)).isEqualTo(2);
				second.nextOfType("message");
				desk.nextOfType("message");
			}
		}
	}

	@Test
	void aClosedConnectionLeavesItsUser() {
		TestClient client = connect("room=a&user=frank", Map.of());
		client.nextOfType("welcome");
		assertThat(this.server.connectionsOf("frank")).hasSize(1);
		client.close();
		await().until(() -> this.server.connectionsOf("frank").isEmpty());
		assertThat(this.server.sendToUser("frank", "dm", 1)).isZero();
	}

	@Test
	void withNoRuleConfiguredEveryClientSideJoinIsForbidden() {
		try (TestClient client = connect("room=a&user=gina", Map.of())) {
			client.nextOfType("welcome");
			client.send("{\"type\":\"join\",\"room\":\"a-new-room\",\"ref\":\"1\"}");
			JsonNode failed = client.nextOfType("joinFailed");
			assertThat(failed.path("reason").asText()).isEqualTo("forbidden");
			assertThat(this.server.rooms()).doesNotContain("a-new-room");
			assertThat(this.server.sendToUser("gina", "still", 1)).isOne();
			assertThat(client.nextOfType("message").path("event").asText()).isEqualTo("still");
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class UsersApplication {

		@Bean
		Filter principalFromHeader() {
			return new PrincipalFromHeader();
		}

		@Bean
		PulseConnectHandler connectHandler() {
			return (request) -> {
				List<String> rooms = List.of(String.valueOf(request.queryParam("room")));
				String id = request.queryParam("id");
				ConnectDecision decision = (id != null) ? ConnectDecision.accept(id, rooms)
						: ConnectDecision.accept(rooms);
				String user = request.queryParam("user");
				if (user != null) {
					return decision.withUser(user);
				}
				return (request.queryParam("nouser") != null) ? decision.withoutUser() : decision;
			};
		}

	}

}
