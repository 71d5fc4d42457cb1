package io.github.pulse.resume;

import io.github.pulse.test.OnNetty;

/**
 * {@link ChaosIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveChaosIntegrationTests extends ChaosIntegrationTests {

}
