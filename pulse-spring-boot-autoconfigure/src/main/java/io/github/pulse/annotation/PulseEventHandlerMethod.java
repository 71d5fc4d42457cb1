package io.github.pulse.annotation;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;

import io.github.pulse.InvalidPayloadException;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseMessage;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * One {@link PulseEvent @PulseEvent} method bound to its bean, with its parameters resolved once.
 */
final class PulseEventHandlerMethod {

	private final String event;

	private final Object bean;

	private final Method method;

	private final Class<?>[] parameterTypes;

	private final boolean returnsValue;

	PulseEventHandlerMethod(String event, Object bean, Method method) {
		this.event = event;
		this.bean = bean;
		this.method = method;
		this.parameterTypes = method.getParameterTypes();
		this.returnsValue = method.getReturnType() != void.class && method.getReturnType() != Void.class;
		int payloadParameters = 0;
		for (Class<?> type : this.parameterTypes) {
			if (type != PulseConnection.class && type != PulseMessage.class) {
				payloadParameters++;
			}
		}
		if (payloadParameters > 1) {
			throw new IllegalStateException("@PulseEvent(\"" + event + "\") method " + describe()
					+ " has more than one payload parameter: besides PulseConnection and PulseMessage, "
					+ "declare at most one");
		}
		ReflectionUtils.makeAccessible(method);
	}

	String event() {
		return this.event;
	}

	String describe() {
		return ClassUtils.getUserClass(this.method.getDeclaringClass()).getName() + "." + this.method.getName();
	}

	/**
	 * Invokes the method for a message. Its return value is the reply to a request (a message with {@code ref});
	 * for any other message a non-null return value is sent back to the sender as an event of the same name.
	 * @throws InvalidPayloadException if the payload cannot be converted to the payload parameter's type
	 */
	void invoke(PulseConnection connection, PulseMessage message) {
		Object[] arguments = new Object[this.parameterTypes.length];
		for (int i = 0; i < arguments.length; i++) {
			arguments[i] = resolve(this.parameterTypes[i], connection, message);
		}
		Object result;
		try {
			result = this.method.invoke(this.bean, arguments);
		}
		catch (InvocationTargetException ex) {
			Throwable cause = ex.getTargetException();
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new UndeclaredThrowableException(cause, "@PulseEvent method " + describe() + " failed");
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("@PulseEvent method " + describe() + " is not accessible", ex);
		}
		if (message.isRequest()) {
			message.reply(this.returnsValue ? result : null);
		}
		else if (this.returnsValue && result != null) {
			connection.send(this.event, result);
		}
	}

	private @Nullable Object resolve(Class<?> type, PulseConnection connection, PulseMessage message) {
		if (type == PulseConnection.class) {
			return connection;
		}
		if (type == PulseMessage.class) {
			return message;
		}
		Object payload;
		try {
			payload = message.payload(ClassUtils.resolvePrimitiveIfNecessary(type));
		}
		catch (IllegalArgumentException | ClassCastException ex) {
			throw new InvalidPayloadException("invalid payload for event '" + this.event + "'");
		}
		if (payload == null && type.isPrimitive()) {
			throw new InvalidPayloadException("missing payload for event '" + this.event + "'");
		}
		return payload;
	}

}
