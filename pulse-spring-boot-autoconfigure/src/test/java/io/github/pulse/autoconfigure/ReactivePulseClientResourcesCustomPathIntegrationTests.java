package io.github.pulse.autoconfigure;

import io.github.pulse.test.OnNetty;

/**
 * {@link PulseClientResourcesCustomPathIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactivePulseClientResourcesCustomPathIntegrationTests extends PulseClientResourcesCustomPathIntegrationTests {

}
