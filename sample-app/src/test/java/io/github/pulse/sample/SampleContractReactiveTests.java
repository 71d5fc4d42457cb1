package io.github.pulse.sample;

import io.github.pulse.test.OnNetty;

/**
 * The sample's contract on the reactive stack: the sample with {@code spring.main.web-application-type=reactive},
 * on WebFlux and Reactor Netty.
 */
@OnNetty
class SampleContractReactiveTests extends SampleContractTests {

}
