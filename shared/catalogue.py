"""The event catalogue: every event type Linli emits, with the fields its ``data``
always carries. ``make_envelope`` refuses a type or a field that is not here, and the
notifications service has a template for every type that concerns a person.

Envelope: ``{event_id, type, version, occurred_at, source, correlation_id, data}``.
"""

CATALOGUE: dict[str, dict] = {
    # residents
    "residents.resident_registered": {
        "fields": ["resident_id", "community_id", "name", "phone", "role", "birth_date",
                   "groups", "version"],
        "about": "An account was created (self-registration, staff account or admin). "
                 "Carries what other services project (birth date, groups) and the "
                 "profile's version, so a projection applies only newer states.",
    },
    "residents.resident_updated": {
        "fields": ["resident_id", "community_id", "changes", "birth_date", "groups", "version"],
        "about": "Staff changed a resident's groups, name or address; the event carries "
                 "the resident's birth date and groups after the change, and the version.",
    },
    # canteen
    "canteen.menu_published": {
        "fields": ["menu_id", "site_id", "community_id", "date", "meal", "capacity"],
        "about": "Staff published or republished a menu for a (site, date, meal).",
    },
    "canteen.booking_created": {
        "fields": ["booking_id", "resident_id", "site_id", "site_name", "date", "meal",
                   "portions", "pickup_code"],
        "about": "A diner booked portions of a meal.",
    },
    "canteen.booking_cancelled": {
        "fields": ["booking_id", "resident_id", "site_id", "site_name", "date", "meal",
                   "portions"],
        "about": "A diner cancelled before the cutoff; the portions are free again.",
    },
    "canteen.meal_served": {
        "fields": ["booking_id", "resident_id", "site_id", "date", "meal", "total_fen",
                   "price_rule"],
        "about": "A checkout at the counter (booking_id is null for a walk-in).",
    },
    "canteen.booking_no_show": {
        "fields": ["booking_id", "resident_id", "site_id", "date", "meal"],
        "about": "A booking of a past meal was never served.",
    },
    "canteen.pickup_reminder_due": {
        "fields": ["booking_id", "resident_id", "site_id", "site_name", "date", "meal",
                   "pickup_code"],
        "about": "The meal starts soon; remind the diner of the pickup code.",
    },
    # library
    "library.loan_created": {
        "fields": ["loan_id", "resident_id", "copy_code", "title_id", "title", "branch_id",
                   "due_date"],
        "about": "A resident borrowed a copy.",
    },
    "library.loan_returned": {
        "fields": ["loan_id", "resident_id", "copy_code", "title_id", "title", "branch_id"],
        "about": "A copy came back, at any branch.",
    },
    "library.loan_renewed": {
        "fields": ["loan_id", "resident_id", "title", "due_date", "renewals"],
        "about": "A loan was renewed.",
    },
    "library.loan_due_soon": {
        "fields": ["loan_id", "resident_id", "title", "due_date"],
        "about": "A loan is due in two days.",
    },
    "library.loan_overdue": {
        "fields": ["loan_id", "resident_id", "title", "due_date", "days_overdue"],
        "about": "A loan is overdue (at most one a loan a day).",
    },
    "library.hold_placed": {
        "fields": ["hold_id", "resident_id", "title_id", "title", "position"],
        "about": "A resident joined the queue for a title.",
    },
    "library.hold_ready": {
        "fields": ["hold_id", "resident_id", "title_id", "title", "pickup_branch_id",
                   "branch_name", "expires_at"],
        "about": "A copy waits for the resident at the pickup branch.",
    },
    "library.hold_expired": {
        "fields": ["hold_id", "resident_id", "title_id", "title"],
        "about": "A ready hold was not collected in time; it passes to the next in line.",
    },
    # volunteer
    "volunteer.request_submitted": {
        "fields": ["request_id", "resident_id", "community_id", "category", "urgency"],
        "about": "A resident asked for help.",
    },
    "volunteer.request_dispatched": {
        "fields": ["request_id", "resident_id", "community_id", "team_id", "team_name",
                   "member_ids", "category"],
        "about": "Staff sent a request to a team.",
    },
    "volunteer.request_accepted": {
        "fields": ["request_id", "resident_id", "team_id", "team_name", "category"],
        "about": "A team took the request on.",
    },
    "volunteer.request_rejected": {
        "fields": ["request_id", "resident_id", "team_id", "team_name", "reason", "category"],
        "about": "A team turned the request down; it is back with the community's staff.",
    },
    "volunteer.request_completed": {
        "fields": ["request_id", "resident_id", "team_id", "team_name", "hours", "category"],
        "about": "The team reports the work done.",
    },
    "volunteer.request_closed": {
        "fields": ["request_id", "resident_id", "team_id", "rating"],
        "about": "The resident confirmed and rated the work.",
    },
    "volunteer.request_cancelled": {
        "fields": ["request_id", "resident_id", "community_id"],
        "about": "The resident withdrew the request.",
    },
    "volunteer.request_escalated": {
        "fields": ["request_id", "resident_id", "community_id", "team_id", "category"],
        "about": "A dispatched request was not accepted within the SLA.",
    },
    "volunteer.points_credited": {
        "fields": ["transfer_id", "resident_id", "points", "request_id", "balance"],
        "about": "A volunteer earned points for confirmed service.",
    },
    "volunteer.points_redeemed": {
        "fields": ["redemption_id", "resident_id", "points", "reward_name", "balance"],
        "about": "A resident exchanged points for a reward.",
    },
    "volunteer.points_reversed": {
        "fields": ["transfer_id", "resident_id", "points", "reason", "balance"],
        "about": "Staff reversed a wrong credit.",
    },
    # facilities
    "facilities.room_booked": {
        "fields": ["booking_id", "resident_id", "community_id", "room_id", "room_name",
                   "start", "end", "start_local", "walk_in"],
        "about": "A resident booked a function room (or walked in at the door).",
    },
    "facilities.room_booking_cancelled": {
        "fields": ["booking_id", "resident_id", "community_id", "room_id", "room_name",
                   "start", "end", "start_local"],
        "about": "A room booking was cancelled before its start; the time is free again.",
    },
    "facilities.room_no_show": {
        "fields": ["booking_id", "resident_id", "community_id", "room_id", "room_name",
                   "start", "end", "start_local"],
        "about": "Nobody checked in within 15 minutes of the start; the time is free again.",
    },
    "facilities.equipment_loaned": {
        "fields": ["loan_id", "resident_id", "community_id", "item_id", "item_name", "code",
                   "due_at", "due_local", "max_volume_db"],
        "about": "A resident borrowed an item, accepting its rules.",
    },
    "facilities.equipment_returned": {
        "fields": ["loan_id", "resident_id", "community_id", "item_id", "item_name", "code",
                   "condition", "item_status"],
        "about": "An item came back (a damaged one goes to maintenance).",
    },
    "facilities.equipment_overdue": {
        "fields": ["loan_id", "resident_id", "community_id", "item_id", "item_name", "code",
                   "due_at", "due_local"],
        "about": "A loan was not returned by the end of its allowed window.",
    },
    "facilities.complaint_filed": {
        "fields": ["complaint_id", "community_id", "item_id", "item_name", "code", "loan_id",
                   "resident_id", "description", "at", "at_local"],
        "about": "A noise complaint about an item; resident_id is the borrower of the loan "
                 "out at that instant (null when none was).",
    },
    # needs
    "needs.need_recorded": {
        "fields": ["need_id", "resident_id", "community_id", "category", "source"],
        "about": "A need went on the needs list (the resident in the app, or staff after a "
                 "visit, a call or a walk-in).",
    },
    "needs.need_routed": {
        "fields": ["need_id", "resident_id", "community_id", "category", "to", "ref_id"],
        "about": "Staff routed a need to a volunteer request or to the wish wall.",
    },
    "needs.need_resolved": {
        "fields": ["need_id", "resident_id", "community_id", "category", "ref_type", "ref_id"],
        "about": "The volunteer request or the wish a need was routed to was closed or "
                 "fulfilled.",
    },
    "needs.need_closed": {
        "fields": ["need_id", "resident_id", "community_id", "category", "resolution"],
        "about": "Staff closed a need with a resolution.",
    },
    "needs.wish_submitted": {
        "fields": ["wish_id", "resident_id", "community_id", "title"],
        "about": "A wish was posted and waits for review (the community's staff are told; "
                 "resident_id: the wisher).",
    },
    "needs.wish_approved": {
        "fields": ["wish_id", "resident_id", "community_id", "title", "points"],
        "about": "Staff approved a wish: it is on the wall (resident_id: the wisher).",
    },
    "needs.wish_rejected": {
        "fields": ["wish_id", "resident_id", "community_id", "title", "reason"],
        "about": "Staff turned a wish down (resident_id: the wisher).",
    },
    "needs.wish_claimed": {
        "fields": ["wish_id", "resident_id", "community_id", "title", "claimer_id"],
        "about": "A neighbour claimed a wish (resident_id: the wisher).",
    },
    "needs.wish_unclaimed": {
        "fields": ["wish_id", "resident_id", "community_id", "title", "claimer_id", "expired"],
        "about": "The claimer gave a wish back, or the claim ran out (expired); it is open "
                 "again (resident_id: the wisher).",
    },
    "needs.wish_fulfilled": {
        "fields": ["wish_id", "resident_id", "community_id", "title", "claimer_id", "note"],
        "about": "The claimer reports the wish fulfilled (resident_id: the wisher).",
    },
    "needs.wish_closed": {
        "fields": ["wish_id", "resident_id", "community_id", "title", "wisher_id",
                   "claimer_id", "points", "thanks"],
        "about": "The wisher or staff confirmed a fulfilled wish with thanks; the volunteer "
                 "service credits the claimer the points once (resident_id: the claimer).",
    },
    # directory
    "directory.place_added": {
        "fields": ["place_id", "community_id", "name", "category"],
        "about": "Staff added a service place to the community's directory.",
    },
    "directory.place_updated": {
        "fields": ["place_id", "community_id", "name", "category", "changed"],
        "about": "Staff changed a place (changed: the names of the fields).",
    },
    "directory.place_verified": {
        "fields": ["place_id", "community_id", "name", "category", "verified_by",
                   "verified_at"],
        "about": "A grid worker checked the place's phone, address and hours.",
    },
    "directory.place_went_stale": {
        "fields": ["place_id", "community_id", "name", "category", "verified_at"],
        "about": "A place was not verified for 180 days; the community's staff are told.",
    },
    # library: digital editions
    "library.edition_added": {
        "fields": ["edition_id", "title_id", "title", "kind"],
        "about": "Staff attached an audiobook or e-book edition to a title.",
    },
    # activities
    "activities.signup_confirmed": {
        "fields": ["signup_id", "activity_id", "resident_id", "community_id", "title", "when",
                   "size"],
        "about": "A party has its seats: seated at sign-up, or an offer accepted.",
    },
    "activities.signup_waitlisted": {
        "fields": ["signup_id", "activity_id", "resident_id", "community_id", "title", "when",
                   "size", "position"],
        "about": "A party did not fit and waits, whole, at this position.",
    },
    "activities.seat_offered": {
        "fields": ["signup_id", "activity_id", "resident_id", "community_id", "title", "when",
                   "size", "expires_at"],
        "about": "Freed seats are held for a waiting party until expires_at.",
    },
    "activities.offer_expired": {
        "fields": ["signup_id", "activity_id", "resident_id", "community_id", "title", "when",
                   "size"],
        "about": "An offer was not answered in time; its seats passed on.",
    },
    "activities.attendance_recorded": {
        "fields": ["signup_id", "activity_id", "resident_id", "community_id", "title", "when",
                   "size", "points"],
        "about": "Staff marked a party attended (once); the volunteer service credits the "
                 "resident who signed up `points` from the community's pool, once.",
    },
    "activities.invited": {
        "fields": ["activity_id", "resident_id", "community_id", "title", "when", "location"],
        "about": "A birthday gathering invites a resident of 60 or over born in its month.",
    },
}
