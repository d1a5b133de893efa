package io.meetsignal.cluster.redis;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import io.meetsignal.cluster.StoreUnavailableException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** The one place where a Redis failure becomes {@link StoreUnavailableException}. */
final class RedisFailures {

    private RedisFailures() {}

    /** Runs {@code call}; a failure to reach Redis, thrown or in the stage, fails the result as unavailable. */
    static <T> CompletionStage<T> guard(Supplier<? extends CompletionStage<T>> call) {
        CompletionStage<T> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.exceptionallyCompose(failure -> CompletableFuture.failedFuture(translate(failure)));
    }

    /** {@code failure} without its completion wrapper, as {@link StoreUnavailableException} if Redis is unreachable. */
    static Throwable translate(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof StoreUnavailableException || !unavailable(cause)) {
            return cause;
        }
        return new StoreUnavailableException("Redis unavailable: " + cause.getMessage(), cause);
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static boolean unavailable(Throwable cause) {
        return cause instanceof RedisConnectionException
                || cause instanceof RedisCommandTimeoutException
                || cause instanceof RedisLoadingException
                || cause instanceof RedisBusyException
                || cause instanceof RedisReadOnlyException
                || cause instanceof IOException
                // Lettuce's plain RedisException: not connected (commands rejected), connection closed, queue full
                || cause.getClass() == RedisException.class;
    }
}
