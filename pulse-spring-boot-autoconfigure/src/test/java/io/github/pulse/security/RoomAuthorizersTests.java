package io.github.pulse.security;

import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.RoomPatternAuthorizer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.core.Authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The rules of client-side joins: room-name patterns, and the adapter of a Spring Security
 * {@code AuthorizationManager}.
 */
class RoomAuthorizersTests {

	@ParameterizedTest(name = "{0} with allowed {1} and excluded {2}: {3}")
	@CsvSource(delimiter = '|', value = { "chat-1|chat-*||true", "chat-|chat-*||true", "chatx|chat-*||false",
			"news|chat-*,news||true", "news.eu|news||false", "anything|*||true", "admin-x|*|admin-*|false",
			"admin|*|admin-*|true", "a:b:c|a:*:c||true", "x|||false", "x||*|false" })
	void patternsAllowAndExclude(String room, @Nullable String allowed, @Nullable String excluded, boolean mayJoin) {
		RoomPatternAuthorizer authorizer = new RoomPatternAuthorizer(list(allowed), list(excluded));
		assertThat(authorizer.mayJoin(connection(null), room)).isEqualTo(mayJoin);
	}

	private static List<String> list(@Nullable String patterns) {
		return (patterns != null) ? List.of(patterns.split(",")) : List.of();
	}

	@Test
	void withNoPatternEveryRoomIsRefused() {
		RoomPatternAuthorizer authorizer = new RoomPatternAuthorizer(List.of(), List.of());
		assertThat(authorizer.mayJoin(connection(null), "lobby")).isFalse();
		assertThat(authorizer.mayJoin(connection(null), "")).isFalse();
	}

	@Test
	void anInvalidPatternIsRefusedNamingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RoomPatternAuthorizer(List.of("chat/*"), List.of()))
			.withMessageContaining("'chat/*'");
		assertThatIllegalArgumentException().isThrownBy(() -> new RoomPatternAuthorizer(List.of(), List.of("")));
		assertThat(RoomPatternAuthorizer.isValidPattern("*")).isTrue();
		assertThat(RoomPatternAuthorizer.isValidPattern("a".repeat(129))).isFalse();
	}

	@Test
	void theAdapterGrantsWhatTheManagerGrantsToTheHandshakeAuthentication() {
		AuthorizationManagerRoomAuthorizer authorizer = new AuthorizationManagerRoomAuthorizer(
				AuthorityAuthorizationManager.hasRole("MEMBER"));
		assertThat(authorizer.mayJoin(connection(new TestingAuthenticationToken("ann", "x", "ROLE_MEMBER")), "r"))
			.isTrue();
		assertThat(authorizer.mayJoin(connection(new TestingAuthenticationToken("bo", "x", "ROLE_GUEST")), "r"))
			.isFalse();
	}

	@Test
	void theAdapterGivesTheManagerTheConnectionAndRoomAndNoAuthenticationForAPlainPrincipal() {
		AtomicReference<@Nullable Authentication> seen = new AtomicReference<>();
		AtomicReference<@Nullable RoomJoin> asked = new AtomicReference<>();
		AuthorizationManagerRoomAuthorizer authorizer = new AuthorizationManagerRoomAuthorizer((authentication, join) -> {
			seen.set(authentication.get());
			asked.set(join);
			return new AuthorizationDecision(join.room().startsWith(join.connection().id()));
		});
		PulseConnection plain = connection(() -> "plain");
		assertThat(authorizer.mayJoin(plain, "c-1")).isTrue();
		assertThat(seen.get()).isNull();
		assertThat(asked.get()).isEqualTo(new RoomJoin(plain, "c-1"));
		assertThat(authorizer.mayJoin(plain, "d-1")).isFalse();
	}

	@Test
	void aManagerThatAbstainsRefuses() {
		assertThat(new AuthorizationManagerRoomAuthorizer((authentication, join) -> null).mayJoin(connection(null), "r"))
			.isFalse();
	}

	private static PulseConnection connection(@Nullable Principal principal) {
		return new PulseConnection() {

			@Override
			public String id() {
				return "c";
			}

			@Override
			public Set<String> rooms() {
				return Set.of();
			}

			@Override
			public @Nullable Principal principal() {
				return principal;
			}

			@Override
			public Map<String, Object> attributes() {
				return Map.of();
			}

			@Override
			public @Nullable String protocol() {
				return null;
			}

			@Override
			public ConnectionState state() {
				return ConnectionState.OPEN;
			}

			@Override
			public java.time.Instant connectedSince() {
				return java.time.Instant.EPOCH;
			}

			@Override
			public int queuedFrames() {
				return 0;
			}

			@Override
			public void send(String event, @Nullable Object payload) {
			}

			@Override
			public boolean join(String room) {
				return false;
			}

			@Override
			public boolean leave(String room) {
				return false;
			}

			@Override
			public void close(int code, String reason) {
			}

		};
	}

}
