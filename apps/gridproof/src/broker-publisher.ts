import type { BrokerService } from '@gridproof/broker';

/**
 * Lets modules created before the broker (alerts) publish through it once it runs.
 * One per app instance, bound by AppModule when BrokerService exists.
 */
export class LateBrokerPublisher {
  target: BrokerService | null = null;

  readonly publish = async (topic: string, payload: string): Promise<void> => {
    if (!this.target) throw new Error('the MQTT broker is not running yet');
    await this.target.publish(topic, payload);
  };
}
