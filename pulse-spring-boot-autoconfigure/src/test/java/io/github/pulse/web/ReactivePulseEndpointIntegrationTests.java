package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link PulseEndpointIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactivePulseEndpointIntegrationTests extends PulseEndpointIntegrationTests {

}
