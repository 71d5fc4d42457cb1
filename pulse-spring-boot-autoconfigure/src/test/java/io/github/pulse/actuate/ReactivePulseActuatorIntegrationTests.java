package io.github.pulse.actuate;

import io.github.pulse.test.OnNetty;

/**
 * {@link PulseActuatorIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactivePulseActuatorIntegrationTests extends PulseActuatorIntegrationTests {

}
