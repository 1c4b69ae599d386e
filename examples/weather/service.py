"""A plain Python implementation of `wrpc-examples:weather/station`, served with

    wrpc serve --wit examples/weather/wit examples.weather.service:Station

Records arrive as dicts keyed by their WIT field names, variants as `wrpc.values.Variant`, and a
`stream<string>` result may be any async iterator of strings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from wrpc.values import Variant


class Station:
    def summarize(self, readings: list[dict[str, Any]]) -> dict[str, Any]:
        if not readings:
            raise ValueError("no readings to summarize")
        temps = [r["celsius"] for r in readings]
        delta = temps[-1] - temps[0]
        trend = (
            Variant("rising", delta)
            if delta > 0
            else Variant("falling", -delta)
            if delta < 0
            else Variant("steady")
        )
        warmest = max(readings, key=lambda r: r["celsius"])["station"]
        return {
            "count": len(readings),
            "mean-celsius": sum(temps) / len(temps),
            "warmest": warmest,
            "trend": trend,
        }

    async def forecast(self, station: str, hours: int) -> AsyncIterator[str]:
        for hour in range(1, hours + 1):
            await asyncio.sleep(0.05)  # pretend each hour takes a moment to compute
            yield f"{station} +{hour}h: {18 + hour * 0.5:.1f} °C"
