package io.github.pulse.autoconfigure;

import io.github.pulse.test.OnNetty;

/**
 * {@link PulseClientResourcesIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactivePulseClientResourcesIntegrationTests extends PulseClientResourcesIntegrationTests {

}
