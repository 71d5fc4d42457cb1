package io.github.pulse.autoconfigure;

import io.github.pulse.PulseConnectHandler;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.github.pulse.web.AddressLimits;
import io.github.pulse.web.PulseHandshakeInterceptor;
import io.github.pulse.web.PulseWebSocketHandler;
import io.github.pulse.web.Subprotocols;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The handler and handshake interceptor from the properties, the same on the servlet and the reactive stack.
 */
final class PulseHandshakes {

	private PulseHandshakes() {
	}

	static PulseWebSocketHandler handler(SessionManager sessionManager, PulseProperties properties) {
		return new PulseWebSocketHandler(sessionManager, (int) properties.getMaxMessageSize().toBytes(),
				properties.getWriteTimeout(), properties.getContainer().isGatherWrites());
	}

	static PulseHandshakeInterceptor interceptor(SessionManager sessionManager, PulseConnectHandler connectHandler,
			ObjectProvider<PulseObserver> observer, ObjectProvider<ObservationRegistry> observationRegistry,
			PulseProperties properties) {
		PulseHandshakeInterceptor interceptor = new PulseHandshakeInterceptor(sessionManager, connectHandler,
				observer.getIfAvailable(() -> PulseObserver.NOOP));
		interceptor.setObservationRegistry(observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP));
		interceptor.setSubprotocols(new Subprotocols(properties.getSubprotocols()));
		interceptor.setAddressLimits(addressLimits(properties));
		return interceptor;
	}

	private static AddressLimits addressLimits(PulseProperties properties) {
		PulseProperties.Handshake handshake = properties.getHandshake();
		int burst = (handshake.getBurst() != null) ? handshake.getBurst()
				: (int) Math.max(1, Math.ceil(handshake.getRate()));
		return new AddressLimits(properties.getMaxConnectionsPerAddress(), handshake.getRate(), burst,
				handshake.getMaxAddresses(), System::nanoTime);
	}

}
