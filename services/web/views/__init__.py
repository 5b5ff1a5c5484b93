"""The pages, one module a domain; ROUTES is what the app registers."""
from services.web.views import auth, canteen, console, home, inbox, library, points, settings, volunteer
from services.web.views import activities, directory, facilities, needs

ROUTES = [auth.bp, home.bp, canteen.bp, inbox.bp, settings.bp, library.bp, volunteer.bp,
          points.bp, console.bp, facilities.bp, needs.bp, directory.bp, activities.bp]
