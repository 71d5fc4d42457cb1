package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link TransportDropIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveTransportDropIntegrationTests extends TransportDropIntegrationTests {

}
