"""Downloads of the daily extract files from the inspector (docs/extracts.md).

The file comes from the control API's own endpoint (``GET /_sim/companies/{ck}/extracts/{kind}``),
so the page and ``catapult-sim extract`` hand out the very same bytes under the same Vibes file name.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from catapult_sim.control import files
from catapult_sim.ui import bridge


async def extract(request: Request) -> Response:
    """The extract ``kind`` of ``company`` for ``?date=`` (default: the simulator clock's day), as a file."""
    params = {"company_key": request.path_params["company"], "kind": request.path_params["kind"]}
    query = {"date": request.query_params["date"]} if "date" in request.query_params else None
    status, answer = await bridge.call(request, files.extract, path_params=params, query=query)
    if status != 200:
        return JSONResponse(answer, status_code=status)  # the control API's own envelope and status
    name = answer["file_name"]
    return Response(
        answer["content"].encode("utf-8"),
        media_type="text/tab-separated-values; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
