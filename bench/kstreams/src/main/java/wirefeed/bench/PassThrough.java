// Kafka Streams consume -> produce with no processing: the peer of the daemon and of the
// librdkafka pass-through in bench/e2e_bench.cpp. Runs until SIGTERM.
//   PassThrough BOOTSTRAP IN_TOPIC OUT_TOPIC APPLICATION_ID
package wirefeed.bench;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

public final class PassThrough {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 4) {
      System.err.println("usage: PassThrough BOOTSTRAP IN_TOPIC OUT_TOPIC APPLICATION_ID");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    // As many stream threads as the daemon has pipeline workers on this machine (2 cores).
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
    // The daemon's client settings: acks=all, idempotent producer, linger.ms 5.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    StreamsBuilder b = new StreamsBuilder();
    b.stream(args[1], Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(args[2], Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    KafkaStreams streams = new KafkaStreams(b.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close();
                  done.countDown();
                }));
    streams.start();
    done.await();
  }
}
