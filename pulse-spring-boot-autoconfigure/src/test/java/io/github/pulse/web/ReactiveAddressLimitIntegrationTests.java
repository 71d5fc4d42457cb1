package io.github.pulse.web;

import io.github.pulse.test.OnNetty;
import org.junit.jupiter.api.Nested;

/**
 * {@link AddressLimitIntegrationTests} on WebFlux and Reactor Netty: each nested application again, on Netty.
 */
class ReactiveAddressLimitIntegrationTests extends AddressLimitIntegrationTests {

	@Nested
	@OnNetty
	class ConnectionsPerAddress extends AddressLimitIntegrationTests.ConnectionsPerAddress {

	}

	@Nested
	@OnNetty
	class HandshakeRate extends AddressLimitIntegrationTests.HandshakeRate {

	}

	@Nested
	@OnNetty
	class BehindAProxy extends AddressLimitIntegrationTests.BehindAProxy {

	}

}
