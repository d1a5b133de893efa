package io.meetsignal.node.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * {@code %ex} with every exception message (of the cause and suppressed ones too) escaped by {@link LogText}: a
 * stack trace keeps its own lines, but a message that quotes client input cannot add one.
 */
public final class EscapedThrowableConverter extends ThrowableProxyConverter {

    @Override
    protected String throwableProxyToString(IThrowableProxy proxy) {
        return super.throwableProxyToString(Escaped.of(proxy));
    }

    private record Escaped(IThrowableProxy delegate) implements IThrowableProxy {

        static IThrowableProxy of(IThrowableProxy proxy) {
            return proxy == null ? null : new Escaped(proxy);
        }

        @Override
        public String getMessage() {
            return LogText.escape(delegate.getMessage());
        }

        @Override
        public String getClassName() {
            return delegate.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return delegate.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return delegate.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return of(delegate.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] suppressed = delegate.getSuppressed();
            if (suppressed == null) {
                return null;
            }
            IThrowableProxy[] out = new IThrowableProxy[suppressed.length];
            for (int i = 0; i < suppressed.length; i++) {
                out[i] = of(suppressed[i]);
            }
            return out;
        }

        @Override
        public boolean isCyclic() {
            return delegate.isCyclic();
        }
    }
}
