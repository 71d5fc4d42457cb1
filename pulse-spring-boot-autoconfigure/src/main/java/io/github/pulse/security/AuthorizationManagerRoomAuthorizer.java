package io.github.pulse.security;

import java.security.Principal;
import java.util.function.Supplier;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseRoomAuthorizer;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;

/**
 * Decides client-side joins with a Spring Security {@link AuthorizationManager}. The authentication it sees is the
 * connection's handshake principal when that is an {@link Authentication} (as with Spring Security's servlet
 * filters), else {@code null}: the security context of the thread that reads the frame is not the handshake's.
 * <pre class="code">
 * &#64;Bean
 * PulseRoomAuthorizer pulseRoomAuthorizer() {
 *     return new AuthorizationManagerRoomAuthorizer(AuthorityAuthorizationManager.hasRole("MEMBER"));
 * }
 * </pre>
 * A manager that abstains (returns {@code null}) refuses.
 */
public final class AuthorizationManagerRoomAuthorizer implements PulseRoomAuthorizer {

	private final AuthorizationManager<RoomJoin> manager;

	/**
	 * Creates an authorizer.
	 * @param manager decides on each {@link RoomJoin}
	 */
	public AuthorizationManagerRoomAuthorizer(AuthorizationManager<RoomJoin> manager) {
		this.manager = manager;
	}

	@Override
	public boolean mayJoin(PulseConnection connection, String room) {
		Supplier<@Nullable Authentication> authentication = () -> authentication(connection.principal());
		AuthorizationResult result = this.manager.authorize(authentication, new RoomJoin(connection, room));
		return result != null && result.isGranted();
	}

	private static @Nullable Authentication authentication(@Nullable Principal principal) {
		return (principal instanceof Authentication authentication) ? authentication : null;
	}

}
