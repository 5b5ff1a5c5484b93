"""Library digital editions: audiobooks and e-books attached to titles, the QR poster of
a branch, plays counted without a token, the most played at a branch."""
from flask import Response, request
from flask_smorest import Blueprint

from services.gateway.web import QUERY, actor, body, call, query_args
from services.library import edition_schemas as schemas

blp = Blueprint("editions", __name__,
                description="Library digital editions: audiobooks, e-books, QR posters")


@blp.route("/library/titles/<title_id>/editions", methods=["POST"])
@blp.arguments(schemas.NewEdition)
@blp.response(201, schemas.Edition)
def add_edition(_, title_id):
    """Staff: attach an `audiobook` or `ebook` edition (`url`, `minutes`) to a title; a
    title's `editions` are listed with it."""
    return call("library", "add_edition", actor(), title_id, body())


@blp.route("/library/branches/<branch_id>/poster", methods=["GET"])
@blp.response(200, description="an SVG sheet (A4 pages) of QR codes",
              content_type="image/svg+xml")
def poster(branch_id):
    """Staff of the branch's community: one QR code per edition shelved at the branch
    (every edition of a title it holds a copy of), each opening `/app/listen/{id}`."""
    svg = call("library", "branch_poster", actor(), branch_id)
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="poster-{branch_id}.svg"'})


@blp.route("/library/editions/popular", methods=["GET"])
@blp.arguments(schemas.PopularQuery, **QUERY)
@blp.response(200, schemas.PopularList)
def popular(_):
    """Staff of the branch's community: the editions shelved at `branch_id`, most played
    first."""
    return call("library", "popular_editions", actor(), query_args())


@blp.route("/library/editions/<edition_id>", methods=["GET"])
@blp.response(200, schemas.PublicEdition)
@blp.doc(security=[])
def get_edition(edition_id):
    """No token: an edition with its title and author (what the listening page shows)."""
    return call("library", "get_edition", edition_id)


@blp.route("/library/editions/<edition_id>/plays", methods=["POST"])
@blp.arguments(schemas.Play)
@blp.response(201, schemas.PlayOut)
@blp.alt_response(429, description="this client's play was counted within 10 minutes "
                                   "(`play_throttled`)")
@blp.doc(security=[])
def count_play(_, edition_id):
    """No token: count one play. One counted play per client and edition per 10
    minutes (the client's address with the frontend's optional `listener` id, kept only
    as a keyed hash for those minutes); further plays answer 429."""
    return call("library", "count_play", edition_id, request.remote_addr, body()), 201
