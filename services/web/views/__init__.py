"""The pages, one module a domain; ROUTES is what the app registers."""
from services.web.views import auth, canteen, console, home, inbox, library, points, settings, volunteer
from services.web.views import activities, facilities

ROUTES = [auth.bp, home.bp, canteen.bp, inbox.bp, settings.bp, library.bp, volunteer.bp,
          points.bp, console.bp, facilities.bp, activities.bp]
