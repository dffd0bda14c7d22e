import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import type { AlertView, Device, DeviceTelemetry } from '../api-types';
import { formatAgo, formatTime, formatValue } from '../format';
import { href } from '../router';
import { useApi } from '../use-api';

const SHOWN = 100;
/** Last readings are fetched for the devices shown, a few at a time, to spare the API. */
const CONCURRENCY = 4;

type Status = 'online' | 'offline' | 'disabled' | 'never seen' | 'quiet';

/** A device's status from what the API knows: its state, an open DeviceOffline alert, its last contact. */
export function deviceStatus(device: Device, offline: Set<string>, now = Date.now()): Status {
  if (device.state === 'disabled') return 'disabled';
  if (offline.has(device.id)) return 'offline';
  if (!device.lastSeenAt) return 'never seen';
  return now - Date.parse(device.lastSeenAt) < 15 * 60_000 ? 'online' : 'quiet';
}

export function DevicesPage() {
  const devices = useApi<Device[]>('/api/devices', 30_000);
  const offline = useApi<AlertView[]>('/api/alerts?state=firing,acknowledged&kind=offline&limit=1000', 30_000);
  const offlineIds = new Set((offline.data ?? []).map((a) => a.labels.device).filter(Boolean));
  const shown = (devices.data ?? []).slice(0, SHOWN);
  const last = useLastReadings(shown);
  return (
    <section aria-labelledby="devices-title">
      <h1 id="devices-title">Devices</h1>
      {devices.error && <p class="error">{devices.error}</p>}
      <p aria-live="polite" class="count">
        {devices.data ? `${devices.data.length} device${devices.data.length === 1 ? '' : 's'}${devices.data.length > SHOWN ? `, the first ${SHOWN} shown` : ''}` : 'Loading…'}
      </p>
      {shown.length > 0 && (
        <table class="devices responsive">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Type</th>
              <th scope="col">Site</th>
              <th scope="col">Status</th>
              <th scope="col">Last reading</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => {
              const status = deviceStatus(d, offlineIds);
              const reading = last[d.id];
              return (
                <tr key={d.id} data-device-id={d.id}>
                  <td data-label="Device">
                    {d.id}
                    {d.name ? <small class="muted"> {d.name}</small> : null}
                  </td>
                  <td data-label="Type">{d.type}</td>
                  <td data-label="Site">{d.site.name || d.site.id}</td>
                  <td data-label="Status">
                    <span class={`badge device-${status.replace(' ', '-')}`}>{status}</span>{' '}
                    {status === 'offline' && <a href={`#/alerts?state=firing,acknowledged&kind=offline`}>alert</a>}
                    <small class="muted"> seen {formatAgo(d.lastSeenAt)}</small>
                  </td>
                  <td data-label="Last reading">
                    {reading === undefined ? (
                      <span class="muted">…</span>
                    ) : reading === null ? (
                      <span class="muted">none in the last hour</span>
                    ) : (
                      <span title={formatTime(reading.ts)}>
                        {Object.entries(reading.readings)
                          .slice(0, 4)
                          .map(([k, v]) => `${k} ${formatValue(v)}`)
                          .join(' · ')}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p>
        <a href={href('alerts')}>Back to the alerts</a>
      </p>
    </section>
  );
}

/** The newest reading of each device in the last hour (null: none), loaded a few devices at a time. */
function useLastReadings(devices: Device[]): Record<string, DeviceTelemetry['points'][number] | null> {
  const [last, setLast] = useState<Record<string, DeviceTelemetry['points'][number] | null>>({});
  const ids = devices.map((d) => d.id).join(',');
  useEffect(() => {
    let live = true;
    const queue = devices.filter((d) => d.lastSeenAt).map((d) => d.id);
    const to = Date.now() + 60_000;
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && live; id = queue.shift()) {
        const res = await api<DeviceTelemetry>(`/api/devices/${encodeURIComponent(id)}/telemetry${query({ from: to - 3_660_000, to })}`).catch(() => null);
        if (live) setLast((prev) => ({ ...prev, [id]: res?.points.at(-1) ?? null }));
      }
    };
    for (const d of devices) if (!d.lastSeenAt) setLast((prev) => ({ ...prev, [d.id]: null }));
    void Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return () => {
      live = false;
    };
  }, [ids]);
  return last;
}
