package io.github.pulse.annotation;

import io.github.pulse.test.OnNetty;

/**
 * {@link PulseEventIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactivePulseEventIntegrationTests extends PulseEventIntegrationTests {

}
