package io.github.pulse.actuate;

import io.github.pulse.test.OnNetty;

/**
 * {@link PulseShutdownHealthIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactivePulseShutdownHealthIntegrationTests extends PulseShutdownHealthIntegrationTests {

}
