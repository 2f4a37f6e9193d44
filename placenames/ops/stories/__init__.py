"""Name stories (地名故事): written and reviewed by the office, read by the public."""

from .public import PhotoView, StoryView, photo_path, published_stories, published_story
from .stories import (
    MAX_PHOTOS,
    StoryInput,
    act,
    add_photo,
    decide,
    edit,
    get,
    mark_heritage,
    remove_photo,
    start,
    story_of,
)

__all__ = ["MAX_PHOTOS", "PhotoView", "StoryInput", "StoryView", "act", "add_photo", "decide",
           "edit", "get", "mark_heritage", "photo_path", "published_stories",
           "published_story", "remove_photo", "start", "story_of"]
