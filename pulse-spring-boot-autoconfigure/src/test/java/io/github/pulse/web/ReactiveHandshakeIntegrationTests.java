package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link HandshakeIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveHandshakeIntegrationTests extends HandshakeIntegrationTests {

}
